# ATTACK: write a file through ndarray.tofile, reached with a literal getattr to dodge name checks.
# Layers: static check (attribute `tofile` even inside getattr); audit hook (write open); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    getattr(frame, "tofile")(config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
