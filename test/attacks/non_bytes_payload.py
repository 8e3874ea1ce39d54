# ATTACK: return a numpy array instead of bytes, hoping its length is counted as 1 element.
# Layers: payload type check (bytes or bytearray only).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return np.array([frame_index], dtype=np.uint8) if frame_index else frame


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
