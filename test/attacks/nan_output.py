# ATTACK: return NaN pixels, which poison a mean-squared error into NaN and may compare as "not worse".
# Layers: exact dtype check (uint8 cannot hold NaN).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.full((config["height"], config["width"], 3), np.nan, dtype=np.float32)
