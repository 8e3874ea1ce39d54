# ATTACK: return a single-channel frame, hoping the evaluator broadcasts it.
# Layers: exact shape check in the harness.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame[:, :, 1].tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.frombuffer(compressed_data, np.uint8).reshape(config["height"], config["width"]).copy()
