# ATTACK: define only the encoder, with the decoder bound to a lambda that returns the cached source.
# Layers: both functions must be `def` functions at module level.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b"\1"


decompress_video_frame = lambda data, index, config: np.zeros((config["height"], config["width"], 3), np.uint8)  # noqa: E731
