# ATTACK: return float64 pixels so out-of-range values are clipped in the codec's favour.
# Layers: exact dtype check (no casting, no clipping on our side).
import zlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return zlib.compress(frame.tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    raw = np.frombuffer(zlib.decompress(compressed_data), np.uint8)
    return raw.reshape(config["height"], config["width"], 3).astype(np.float64) + 0.4
