# ATTACK: hang the frames on the numpy module object, which both sides import.
# Contained by: separate fresh processes; judged by the evaluation (quality floor).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    if not hasattr(np, "_codec_stash"):
        setattr(np, "_codec_stash", {})
    np._codec_stash[frame_index] = frame.copy()
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    stash = getattr(np, "_codec_stash", {})
    return stash.get(frame_index, np.full((config["height"], config["width"], 3), 128, np.uint8))
