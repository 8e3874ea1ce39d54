# ATTACK: hide a file write behind a variable that holds a module (no import alias to track).
# Layers: static check (attribute `npyio`); audit hook (write open); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    lib = np.lib
    lib.npyio.savez(config["outPath"], frame=frame)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
