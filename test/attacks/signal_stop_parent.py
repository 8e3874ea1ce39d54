# ATTACK: freeze the evaluator with SIGSTOP so the run never ends (and never reports).
# Layers: static check (attribute `os`); audit hook (os.kill); bubblewrap (the evaluator is outside
# the PID namespace; the namespace's init ignores SIGSTOP from inside).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    os_module.kill(os_module.getppid(), 19)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
