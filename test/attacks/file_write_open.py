# ATTACK: write a file on the host (persistence, or a scratch file for the decoder).
# Layers: static check (name `open`); audit hook (write open); bubblewrap (read-only root, private /tmp).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    with open(config["outPath"], "wb") as handle:
        handle.write(frame.tobytes())
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
