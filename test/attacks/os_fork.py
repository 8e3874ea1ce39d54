# ATTACK: fork a child that outlives the evaluation and writes a file later.
# Layers: static check (attribute `os`); audit hook (os.fork); process group kill; bubblewrap pid namespace.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    if os_module.fork() == 0:
        os_module.execv("/usr/bin/touch", ["touch", config["outPath"]])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
