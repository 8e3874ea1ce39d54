# ATTACK: write a file with torch.save (and torch.load would unpickle).
# Layers: static check (torch.save), whether or not torch is installed; bubblewrap. Not the audit
# hook: torch writes the file from C++ (PyTorchFileWriter), which raises no audit event.
import numpy as np
import torch


def compress_video_frame(frame, frame_index, config):
    torch.save(torch.from_numpy(frame), config["outPath"])
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
