# ATTACK: SIGKILL the whole process group, hoping to take the evaluator down with it.
# Layers: static check (attribute `os`); audit hook (os.killpg); the harness runs in its own process
# group and session, so only the harness dies (reported like any SIGKILL death).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.compat.py3k.os.killpg(0, 9)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
