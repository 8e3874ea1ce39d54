# ATTACK: a decoder that ignores the bytes and reads the source clip from the repository
# (or from the evaluator's --recon folder) to return perfect frames for one byte per frame.
# Layers: static check (attribute `fromfile`); audit hook (open); bubblewrap (the repository is not
# in the sandbox).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    height, width = config["height"], config["width"]
    size = height * width * 3
    raw = np.fromfile(config["sourceFrames"], dtype=np.uint8, count=size, offset=frame_index * size)
    return raw.reshape(height, width, 3)
