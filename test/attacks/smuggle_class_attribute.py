# ATTACK: smuggle the frames through a class attribute shared by encoder and decoder objects.
# Contained by: separate fresh processes; judged by the evaluation (quality floor).
import numpy as np


class Memory:
    frames = {}


def compress_video_frame(frame, frame_index, config):
    Memory.frames[frame_index] = frame.copy()
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    found = Memory.frames.get(frame_index)
    return found if found is not None else np.full((config["height"], config["width"], 3), 128, np.uint8)
