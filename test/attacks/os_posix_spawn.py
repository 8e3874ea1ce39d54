# ATTACK: os.posix_spawn, a less-watched process route.
# Layers: static check (attribute `os`); audit hook (os.posix_spawn); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    os_module.posix_spawn("/usr/bin/touch", ["touch", config["outPath"]], {})
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
