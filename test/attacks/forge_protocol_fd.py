# ATTACK: write a forged "output" message straight to the protocol fds, claiming a tiny payload.
# Layers: static check (attribute `os`); fd 1 is not the protocol channel; audit hook off -> see security model.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    os_module = np.compat.py3k.os
    # index, wall seconds, CPU seconds, one byte of payload: a well-formed answer
    forged = b"O" + (21).to_bytes(4, "little") + frame_index.to_bytes(4, "little") + b"\0" * 16 + b"!"
    for fd in (1, 3, 4, 5):
        try:
            os_module.write(fd, forged)
        except OSError:
            pass
    return frame.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
