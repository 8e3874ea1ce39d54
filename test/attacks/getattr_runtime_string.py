# ATTACK: getattr with a computed attribute name to reach numpy's os module.
# Layers: static check (getattr with a non-literal name); guarded getattr; audit hook.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    name = "".join(["o", "s"])
    os_module = getattr(np.compat.py3k, name)
    os_module.system("touch " + config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
