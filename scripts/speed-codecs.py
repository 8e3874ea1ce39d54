#!/usr/bin/python3
"""Side-by-side CPU time of two versions of the codec, alternating A and B frame by frame.

    scripts/speed-codecs.py A.py B.py NFRAMES clips/astronaut-pan.y4m [...]

A developer's speed check next to scripts/ab-codecs.py (same Y4M reader, same fresh module per codec):
each frame is encoded and decoded by A and B in turn (the order flips every frame), at q20, q50 and
q80, and each call's CPU time (time.process_time) is summed, so a load that changes during the run
falls on both codecs alike. Prints per clip and overall the encode and decode fps of each and the
A/B time ratio (below 1: B is slower). Ratios are what to quote on a shared box, not the fps.
"""
import importlib.util
import os
import sys
import time

# One BLAS/OpenMP thread, as in the sandbox (src/sandbox/isolation.ts): with a pool the encode times and
# their ratios differ from the sandbox's (v4 vs c0015 on astronaut-pan: 1.75x with threads, 1.60x without).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np

_spec = importlib.util.spec_from_file_location("ab_codecs", os.path.join(os.path.dirname(__file__), "ab-codecs.py"))
ab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ab)


def main():
    ab.use_sandbox_allocator()
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    pa, pb, nf = sys.argv[1], sys.argv[2], int(sys.argv[3])
    total = np.zeros((2, 2))
    frames = 0
    for clip in sys.argv[4:]:
        fr = ab.read_y4m(clip, nf)
        h, w = fr[0].shape[:2]
        t = np.zeros((2, 2))  # [codec A/B, encode/decode]
        for q in (20, 50, 80):
            cfg = {"quality": q, "width": w, "height": h}
            mods = [(ab.load(pa), ab.load(pa)), (ab.load(pb), ab.load(pb))]
            for i, f in enumerate(fr):
                for k in ((0, 1) if i % 2 else (1, 0)):
                    enc, dec = mods[k]
                    t0 = time.process_time()
                    data = enc.compress_video_frame(f, i, cfg)
                    t[k, 0] += time.process_time() - t0
                    t0 = time.process_time()
                    dec.decompress_video_frame(data, i, cfg)
                    t[k, 1] += time.process_time() - t0
        n = 3 * len(fr)
        frames += n
        total += t
        print(f"{os.path.basename(clip):26s} enc fps A {n / t[0, 0]:5.2f} B {n / t[1, 0]:5.2f} (A/B time {t[0, 0] / t[1, 0]:.3f})"
              f"  dec fps A {n / t[0, 1]:5.2f} B {n / t[1, 1]:5.2f} (A/B {t[0, 1] / t[1, 1]:.3f})", flush=True)
    print(f"ALL enc A/B time {total[0, 0] / total[1, 0]:.3f}  dec A/B time {total[0, 1] / total[1, 1]:.3f}"
          f"   (enc fps A {frames / total[0, 0]:.2f} B {frames / total[1, 0]:.2f},"
          f" dec fps A {frames / total[0, 1]:.2f} B {frames / total[1, 1]:.2f})")


if __name__ == "__main__":
    main()
