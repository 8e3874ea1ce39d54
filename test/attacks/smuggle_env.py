# ATTACK: pass data from encoder to decoder through an environment variable.
# Layers: static check (attribute `os`); audit hook (os.putenv); separate processes with a fixed environment.
import base64

import numpy as np


def compress_video_frame(frame, frame_index, config):
    np.compat.py3k.os.environ[f"SMUGGLE_{frame_index}"] = base64.b64encode(frame.tobytes()).decode()
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    value = np.compat.py3k.os.environ.get(f"SMUGGLE_{frame_index}")
    if value is None:
        return np.full((config["height"], config["width"], 3), 128, np.uint8)
    return np.frombuffer(base64.b64decode(value), np.uint8).reshape(config["height"], config["width"], 3).copy()
