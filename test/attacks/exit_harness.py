# ATTACK: end the harness cleanly (exit code 0) mid-run, hoping missing frames count as free.
# Layers: SystemExit is caught like any exception; a silent exit is still a failure.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    raise SystemExit(0)


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
