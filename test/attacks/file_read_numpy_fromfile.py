# ATTACK: read a secret file through numpy (np.fromfile) instead of open().
# Layers: static check (attribute `fromfile`); audit hook (numpy opens through io.open); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return np.fromfile(config["canaryFile"], dtype=np.uint8).tobytes() or b"\0"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
