# ATTACK: replace the harness with another program (os.execv), forging the protocol.
# Layers: static check (attribute `os`); audit hook (os.exec); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.lib.npyio.os.execv("/usr/bin/touch", ["touch", config["outPath"]])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
