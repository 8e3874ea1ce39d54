# ATTACK: pass the frames from encoder to decoder in a temp file.
# Layers: static check (attribute `tofile`/`fromfile`); audit hook; bubblewrap's private /tmp per process.
import numpy as np


def compress_video_frame(frame, frame_index, config):
    frame.tofile(f"/tmp/codec-smuggle-{frame_index}.raw")
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    data = np.fromfile(f"/tmp/codec-smuggle-{frame_index}.raw", dtype=np.uint8)
    return data.reshape(config["height"], config["width"], 3)
