# ATTACK: raise an exception whose __str__ never returns, to hang the harness's error report.
# Layers: the per-frame deadline covers error reporting too.
import numpy as np


class Stuck(Exception):
    def __str__(self):
        while True:
            pass


def compress_video_frame(frame, frame_index, config):
    raise Stuck()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
