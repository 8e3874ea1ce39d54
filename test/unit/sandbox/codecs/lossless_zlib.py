# A well-behaved lossless codec: zlib over the raw frame, with a print and a dataclass,
# so the tests see that ordinary library use passes every guard.
import zlib
from dataclasses import dataclass

import numpy as np


@dataclass
class Header:
    height: int
    width: int


def compress_video_frame(frame, frame_index, config):
    if frame_index == 0:
        print("encoding first frame", frame.shape)
    return zlib.compress(np.ascontiguousarray(frame).tobytes(), 6)


def decompress_video_frame(compressed_data, frame_index, config):
    header = Header(config["height"], config["width"])
    flat = np.frombuffer(zlib.decompress(compressed_data), dtype=np.uint8)
    return flat.reshape(header.height, header.width, 3).copy()
