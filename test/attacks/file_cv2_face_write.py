# ATTACK: write a file through a cv2 contrib object's plain `.write(path)` method, a name the
# static check cannot refuse on its own (bit writers use it too).
# Layers: static check (the cv2.face family); bubblewrap (read-only root, private /tmp).
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    recognizer = cv2.face.LBPHFaceRecognizer_create()
    recognizer.train([frame[:, :, 0].copy()], np.array([0]))
    recognizer.write(config["outPath"] + ".yml")
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
