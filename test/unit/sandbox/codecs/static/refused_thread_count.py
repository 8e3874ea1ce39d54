# Refused: more threads would buy encode fps with cores (speed is judged per core).
import numpy as np
import torch


def compress_video_frame(frame, frame_index, config):
    torch.set_num_threads(8)
    return frame.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    data = np.frombuffer(compressed_data, np.uint8)
    return data.reshape(config["height"], config["width"], 3)
