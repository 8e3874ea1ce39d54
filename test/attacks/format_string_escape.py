# ATTACK: read dunder attributes through str.format fields, which contain no Attribute node.
# Layers: static check (dunder in a format field).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    leaked = "{0.__globals__[os].environ}".format(np.compat.py3k.asbytes)
    return leaked.encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
