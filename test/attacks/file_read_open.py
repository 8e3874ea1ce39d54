# ATTACK: read a secret file with the open() builtin and ship it as the payload.
# Layers: static check (name `open`); audit hook / restricted builtins; bubblewrap hides host /tmp.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    with open(config["canaryFile"], "rb") as handle:
        return handle.read() or b"\0"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
