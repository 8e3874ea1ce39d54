# ATTACK: output that depends on object addresses (id()), which differ from process to process.
# Contained by: the evaluation decodes twice in fresh processes and requires bit-identical output.
import zlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return zlib.compress(frame.tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    raw = np.frombuffer(zlib.decompress(compressed_data), np.uint8).reshape(config["height"], config["width"], 3)
    salt = np.random.default_rng(id(object())).integers(0, 2, raw.shape, dtype=np.uint8)
    return raw ^ salt
