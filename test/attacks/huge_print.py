# ATTACK: print hundreds of megabytes to flood the evaluator's logs and memory, then fail.
# Layers: bounded print sink in the harness, bounded log in the host.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    line = "flood " * 100_000
    for _ in range(500):
        print(line)
    return b""


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
