# ATTACK: never return from the encoder.
# Layers: per-frame wall-clock deadline, process-group kill.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    while True:
        pass


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
