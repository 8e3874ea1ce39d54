# ATTACK: reach os.environ through a module numpy imported (numpy.compat.py3k.os).
# Layers: static check (attribute `os`); the cleared environment holds no secret even if reached.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    environ = np.compat.py3k.os.environ
    return "\n".join(f"{k}={v}" for k, v in environ.items() if "CANARY" in k).encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
