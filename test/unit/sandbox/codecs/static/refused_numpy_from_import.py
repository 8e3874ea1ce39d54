# from-import of a file-reading numpy function.
from numpy import load  # refused: numpy.load


def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return load("x")
