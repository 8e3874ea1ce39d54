# Ordinary code the static check must accept: literal getattr, classes with __init__,
# dataclasses, typing, functools, a module-level table and a tunables block.
import functools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import List

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# --- tunables: begin ---
DEADZONE = 0.30  # range 0.0..0.6
# --- tunables: end ---


@dataclass
class State:
    history: List[int] = field(default_factory=list)


class Quantiser:
    def __init__(self, step):
        self.step = step

    def __call__(self, values):
        return np.round(values / self.step)


@functools.lru_cache(maxsize=None)
def table(n):
    return [math.cos(i) for i in range(n)]


def compress_video_frame(frame, frame_index, config):
    quantise = getattr(np, "round")
    _ = sliding_window_view(frame[:, :, 0], (2, 2))
    _ = deque([1, 2])
    _ = memoryview(b"ab")[1]
    _ = Quantiser(4)(frame.astype(np.float32))
    if hasattr(frame, "shape"):
        return bytes(quantise(frame).astype(np.uint8).tobytes())
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.frombuffer(compressed_data, np.uint8).reshape(config["height"], config["width"], 3).copy()
