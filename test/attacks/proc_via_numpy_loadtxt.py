# ATTACK: read /proc and host files through numpy's text reader.
# Layers: static check (attribute `loadtxt`); audit hook; bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    rows = np.loadtxt("/proc/self/status", dtype=str, delimiter="\t")
    return "".join(rows.ravel()).encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
