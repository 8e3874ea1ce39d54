# ATTACK: write a file through numpy (np.save).
# Layers: static check (numpy.save); audit hook (write open); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.save(config["outPath"], frame)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
