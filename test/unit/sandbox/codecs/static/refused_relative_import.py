# A relative import would load a file next to the codec.
from . import helper


def compress_video_frame(frame, frame_index, config):
    return helper.encode(frame)


def decompress_video_frame(compressed_data, frame_index, config):
    return helper.decode(compressed_data)
