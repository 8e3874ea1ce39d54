# ATTACK: print a forged protocol message on stdout, hoping the host parses it as a tiny payload.
# Layers: stdout is not the protocol channel (fd 1 is redirected before the codec loads).
import numpy as np


def compress_video_frame(frame, frame_index, config):
    forged = "O" + "\x0d\x00\x00\x00" + chr(frame_index) + "\x00" * 11 + "!"
    print(forged, end="", flush=True)
    return frame.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"] + 1, 3), np.uint8)
