# ATTACK: encode honestly, then never return from the decoder.
# Layers: per-frame wall-clock deadline, process-group kill.
import zlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return zlib.compress(frame.tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    total = 0
    while True:
        total += 1
