# ATTACK: the classic jail escape: ().__class__.__base__.__subclasses__() -> os._wrap_close -> globals -> system.
# Layers: static check (dunder attributes); audit hook (os.system).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            cls.__init__.__globals__["system"]("touch " + config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
