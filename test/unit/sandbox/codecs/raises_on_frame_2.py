# Raises in the encoder on frame 2: the failure must name this file's line 7.
import zlib


def compress_video_frame(frame, frame_index, config):
    if frame_index == 2:
        raise ValueError("frame two is cursed")
    return zlib.compress(frame.tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    raise NotImplementedError
