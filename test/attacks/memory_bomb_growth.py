# ATTACK: hoard 64 MiB blocks in a module-level list until the machine swaps.
# Layers: RLIMIT_AS (MemoryError), per-frame deadline.
import numpy as np

HOARD = []


def compress_video_frame(frame, frame_index, config):
    while True:
        HOARD.append(np.empty(64 * 1024 * 1024, dtype=np.uint8))


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
