#!/usr/bin/python3
"""Three synthetic cross-fades for checking fade decisions on material in no evaluation clip.

chelsea-rocket-fade is the only fade among the six evaluation clips, so a decision tuned on its
two fade frames needs a second opinion. Each clip: 16 CIF frames; picture A pans right 2 px/frame,
picture B moves up 3 px/frame, and A fades linearly into B over frames 4-12. The pictures are
skimage's (Debian python3-skimage) and appear in no bundled or held-out clip; ffmpeg converts to
4:2:0 Y4M (BT.601, limited range) like scripts/make-clips.sh. Session 24 measured LAYER_TWICE_QMAX
on these (codec/README.md, "What v8 adds").

    /usr/bin/python3 scripts/make-fade-clips.py [OUT_DIR]   (default .codec-evolve/fades)
"""
import os
import subprocess
import sys

import numpy as np
import skimage.io

DATA = os.environ.get("SKIMAGE_DATA", "/usr/lib/python3/dist-packages/skimage/data")
PAIRS = [("ihc.png", "grass.png", "ihc-grass"), ("camera.png", "hubble_deep_field.jpg", "camera-hubble"),
         ("brick.png", "gravel.png", "brick-gravel")]
H, W, FRAMES = 288, 352, 16


def load(name):
    img = skimage.io.imread(os.path.join(DATA, name))
    if img.ndim == 2:
        img = np.stack([img] * 3, -1)
    return img[..., :3].astype(np.float64)


def crop(img, y, x):
    """An H x W window at (y, x), edge-clamped."""
    rows = np.clip(np.arange(H) + y, 0, img.shape[0] - 1)
    cols = np.clip(np.arange(W) + x, 0, img.shape[1] - 1)
    return img[rows][:, cols]


def frames(a, b):
    """RGB bytes of the 16 frames: A panning right fades into B moving up (frames 4-12)."""
    out = bytearray()
    for i in range(FRAMES):
        t = min(max((i - 4) / 8, 0.0), 1.0)
        mix = (1 - t) * crop(a, 20, 10 + 2 * i) + t * crop(b, 100 - 3 * i, 30)
        out += np.clip(np.rint(mix), 0, 255).astype(np.uint8).tobytes()
    return bytes(out)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else ".codec-evolve/fades"
    os.makedirs(out_dir, exist_ok=True)
    for first, second, name in PAIRS:
        path = os.path.join(out_dir, f"fade-{name}.y4m")
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt",
             "rgb24", "-s", f"{W}x{H}", "-r", "25", "-i", "-", "-sws_flags", "bicubic+accurate_rnd+full_chroma_int",
             "-vf", "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p,setsar=1", "-fflags", "+bitexact",
             "-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", "-color_range", "tv", path],
            input=frames(load(first), load(second)), check=True)
        print(path)


if __name__ == "__main__":
    main()
