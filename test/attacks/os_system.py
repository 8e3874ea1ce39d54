# ATTACK: os.system with a plain import.
# Layers: static check (import os); guarded __import__; audit hook (os.system); bubblewrap.
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os.system("touch " + config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
