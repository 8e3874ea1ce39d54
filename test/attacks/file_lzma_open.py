# ATTACK: write a file through an allowed module's file helper (lzma.open).
# Layers: static check (attribute `open`); audit hook (write open from lzma); bubblewrap.
import lzma

import numpy as np


def compress_video_frame(frame, frame_index, config):
    with lzma.open(config["outPath"], "wb") as handle:
        handle.write(frame.tobytes())
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
