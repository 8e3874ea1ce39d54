# An aliased module chain that reaches numpy.lib.format.
import numpy.lib as nl


def compress_video_frame(frame, frame_index, config):
    nl.format.write_array(None, frame)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return None
