# ATTACK: ignore SIGTERM/SIGXCPU and arm an alarm, to outlive the limits.
# Layers: static check (import signal); guarded __import__; audit hook; the host kills with SIGKILL.
import signal

import numpy as np


def compress_video_frame(frame, frame_index, config):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
