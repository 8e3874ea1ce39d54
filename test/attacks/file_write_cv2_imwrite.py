# ATTACK: write a file from native code (cv2.imwrite): invisible to the audit hook.
# Layers: static check (attribute `imwrite`); bubblewrap (private /tmp, read-only everything else).
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    cv2.imwrite(config["outPath"] + ".png", frame)
    return b""


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
