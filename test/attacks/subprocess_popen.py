# ATTACK: run a shell command with subprocess.
# Layers: static check (import subprocess); guarded __import__ / audit hook; bubblewrap.
import subprocess

import numpy as np


def compress_video_frame(frame, frame_index, config):
    subprocess.run(["touch", config["outPath"]], check=False)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
