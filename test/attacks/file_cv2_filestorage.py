# ATTACK: write a file with cv2.FileStorage (native YAML/XML writer).
# Layers: static check (attribute `FileStorage`); bubblewrap.
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    storage = cv2.FileStorage(config["outPath"] + ".yml", cv2.FILE_STORAGE_WRITE)
    storage.write("frame", frame)
    storage.release()
    return b""


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
