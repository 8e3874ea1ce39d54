# ATTACK: read a secret from the environment (a token in CI) with os.environ.
# Layers: static check (import os); guarded __import__; cleared environment.
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    return os.environ.get("CODEC_EVOLVE_CANARY", "").encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
