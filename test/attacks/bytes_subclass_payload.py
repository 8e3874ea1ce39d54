# ATTACK: return a bytes subclass whose len() lies about its size.
# Layers: exact type check (bytes or bytearray, no subclasses).
import numpy as np


class Small(bytes):
    def __len__(self):
        return 1


def compress_video_frame(frame, frame_index, config):
    return Small(frame.tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    return np.frombuffer(compressed_data, np.uint8).reshape(config["height"], config["width"], 3).copy()
