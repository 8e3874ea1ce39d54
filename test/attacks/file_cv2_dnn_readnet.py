# ATTACK: make cv2's native model loader read a host file (cv2.dnn.readNetFromONNX), leaking it
# through the error message.
# Layers: static check (cv2.dnn); bubblewrap (the file is not in the sandbox).
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    net = cv2.dnn.readNetFromONNX(config["canaryFile"])
    return str(net).encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
