# ATTACK: fetch open() from the builtins mapping with a name built at run time.
# Layers: static check (name `__builtins__`); restricted builtins (open is a refuser); audit hook.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    opener = __builtins__["op" + "en"]
    with opener(config["canaryFile"], "rb") as handle:
        return handle.read()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
