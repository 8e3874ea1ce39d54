# ATTACK: read a file from native code (cv2.imread): no Python audit event is raised for it.
# Layers: static check (attribute `imread`); only bubblewrap stops the native read itself.
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    image = cv2.imread(config["canaryImage"], cv2.IMREAD_UNCHANGED)
    return b"" if image is None else image.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
