# ATTACK: find the harness's objects (protocol channel) with gc and forge answers.
# Layers: static check (import gc); guarded __import__; audit hook (gc.get_objects).
import gc

import numpy as np


def compress_video_frame(frame, frame_index, config):
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel":
            obj.send(b"O", b"\0" * 20)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
