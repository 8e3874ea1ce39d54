# ATTACK: keep the source frames in a module global in the encoder and return them from the decoder.
# Contained by: encoder and decoder run in separate fresh processes; the decoder's fallback is grey,
# which the whole evaluation scores as a quality-floor failure.
import numpy as np

STASH = {}


def compress_video_frame(frame, frame_index, config):
    STASH[frame_index] = frame.copy()
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    if frame_index in STASH:
        return STASH[frame_index]
    return np.full((config["height"], config["width"], 3), 128, np.uint8)
