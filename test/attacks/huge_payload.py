# ATTACK: return a payload far larger than any frame (memory pressure on the evaluator).
# Layers: payload size limit in the harness and in the host's message reader.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return bytes(64 * 1024 * 1024)


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
