# ATTACK: import socket with __import__ and a name assembled at run time.
# Layers: static check (name `__import__`); restricted builtins; audit hook; bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    sock = __import__("so" + "cket")
    conn = sock.create_connection(("127.0.0.1", config["port"]), timeout=1)
    conn.sendall(b"hello")
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
