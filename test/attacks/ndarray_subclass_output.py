# ATTACK: return an ndarray subclass that could override tobytes() or comparison.
# Layers: exact type check (numpy.ndarray only).
import numpy as np


class Shiny(np.ndarray):
    pass


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8).view(Shiny)
