# ATTACK: unbounded recursion (stack exhaustion).
# Layers: Python's recursion limit -> runtime failure with the codec's line.
import numpy as np


def _deeper(n):
    return _deeper(n + 1) + 1


def compress_video_frame(frame, frame_index, config):
    return bytes([_deeper(0) & 255])


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
