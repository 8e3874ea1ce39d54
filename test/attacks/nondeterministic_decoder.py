# ATTACK: a decoder whose output depends on OS entropy (dithering with an unseeded generator),
# so a lucky run can score better than the bits allow.
# Contained by: the evaluation decodes twice and requires bit-identical output.
import zlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return zlib.compress((frame // 4).tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    coarse = np.frombuffer(zlib.decompress(compressed_data), np.uint8).reshape(config["height"], config["width"], 3)
    noise = np.random.default_rng().integers(0, 4, coarse.shape, dtype=np.uint8)
    return coarse * 4 + noise
