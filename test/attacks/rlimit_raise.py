# ATTACK: raise its own resource limits (a root process may raise hard limits).
# Layers: static check (import resource); guarded __import__; audit hook (resource.setrlimit); uid nobody.
import resource

import numpy as np


def compress_video_frame(frame, frame_index, config):
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
