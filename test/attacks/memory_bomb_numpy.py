# ATTACK: allocate far more memory than the machine has, to get the runner OOM-killed.
# Layers: RLIMIT_AS (MemoryError inside the codec).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    hoard = np.ones((64, 1024, 1024, 1024), dtype=np.uint8)
    return hoard.tobytes()[:1]


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
