# ATTACK: walk up the stack from a generator frame to the harness's globals (its protocol channel).
# Layers: static check (attributes gi_frame/f_back/f_globals); audit hook (object.__getattr__ from codec code).
import numpy as np


def _gen():
    yield 1


def compress_video_frame(frame, frame_index, config):
    generator = _gen()
    caller = generator.gi_frame.f_back
    while caller is not None:
        if "channel" in caller.f_globals:
            break
        caller = caller.f_back
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
