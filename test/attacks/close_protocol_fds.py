# ATTACK: close every file descriptor so the harness cannot answer (and the evaluator hangs).
# Layers: static check (attribute `os`); the host's per-frame deadline and exit handling.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    for fd in range(0, 64):
        try:
            os_module.close(fd)
        except OSError:
            pass
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
