# ATTACK: a decoder that ignores its input and returns a flat grey frame, with a one-byte payload:
# an "infinite" compression ratio.
# Contained by: the evaluation's quality floor.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.full((config["height"], config["width"], 3), 128, np.uint8)
