# ATTACK: import os through importlib with a computed name.
# Layers: static check (import importlib); guarded __import__.
import importlib

import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = importlib.import_module("o" + "s")
    os_module.system("touch " + config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
