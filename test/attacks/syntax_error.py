# ATTACK (accidental): a syntax error must be reported with its line, not crash the evaluator.
import numpy as np


def compress_video_frame(frame, frame_index, config)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
