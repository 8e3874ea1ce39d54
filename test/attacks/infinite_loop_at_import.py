# ATTACK: hang while the module loads, before any frame is sent.
# Layers: load deadline, process-group kill.
import numpy as np

while True:
    pass


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
