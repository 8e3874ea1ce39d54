# ATTACK: zero bytes per frame (the old evaluator divided by the payload size).
# Layers: empty payloads are refused.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b""


def decompress_video_frame(compressed_data, frame_index, config):
    return np.full((config["height"], config["width"], 3), 128, np.uint8)
