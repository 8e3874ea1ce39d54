# The decoder takes too few arguments.
def compress_video_frame(frame, frame_index, config):
    return b"\1"


def decompress_video_frame(compressed_data):
    return None
