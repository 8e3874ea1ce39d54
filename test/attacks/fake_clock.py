# ATTACK: look fast. Rebind the clocks the harness reads, so every frame seems to take no time.
# Layers: static check (import time); guarded __import__ (time is not an allowed import); the
# harness's own clock functions, bound before the codec loads (the OS layer alone lets it run).
import time

import numpy as np

time.perf_counter = lambda: 0.0
time.process_time = lambda: 0.0
time.monotonic = lambda: 0.0


def compress_video_frame(frame, frame_index, config):
    # Real work, so honest clocks see it: tens of milliseconds of numpy.
    x = np.arange(200_000, dtype=np.float64)
    for _ in range(60):
        x = np.sqrt(x + 1.0)
    return frame.tobytes() if x[0] > 0 else b"\0"


def decompress_video_frame(compressed_data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    return np.frombuffer(compressed_data, np.uint8).reshape(shape).copy()
