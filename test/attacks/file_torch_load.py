# ATTACK: read (and unpickle) a file with torch.load.
# Layers: static check (torch.load); audit hook; bubblewrap.
import numpy as np
import torch


def compress_video_frame(frame, frame_index, config):
    return bytes(torch.load(config["canaryFile"]))


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
