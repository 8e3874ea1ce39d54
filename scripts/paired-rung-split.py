#!/usr/bin/python3
"""Key-frame and P-frame CPU time of codecs on the evaluator's paired-timing rungs, side by side.

    scripts/paired-rung-split.py A.py B.py [C.py ...]

The rungs and frame counts are the ones `evolve`'s paired timing uses on the bundled clips (astronaut-pan q20 x15,
chelsea-rocket-fade q50 x15, coffee-zoom q80 x12, face-rotate q20 x12). Each frame is encoded by every codec in turn
(the order flips every frame) and each call's CPU time (time.process_time) is summed, split into the key frame and
the P frames, so a developer sees which part a change sped up. Prints per rung and overall totals and each codec's
speed relative to the first. Ratios are what to quote on a shared box, not the seconds.
"""
import importlib.util
import os
import sys
import time

# One BLAS/OpenMP thread, as in the sandbox (src/sandbox/isolation.ts).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("ab_codecs", os.path.join(HERE, "ab-codecs.py"))
_ab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ab)
_ab.use_sandbox_allocator()

RUNGS = [("astronaut-pan", 20, 15), ("chelsea-rocket-fade", 50, 15), ("coffee-zoom", 80, 12), ("face-rotate", 20, 12)]


def main(codecs):
    totals = {c: [0.0, 0.0] for c in codecs}
    for name, quality, count in RUNGS:
        frames = _ab.read_y4m(os.path.join(HERE, "..", "clips", f"{name}.y4m"), count)
        h, w = frames[0].shape[:2]
        config = {"quality": quality, "width": w, "height": h}
        modules = {c: _ab.load(c) for c in codecs}
        rung = {c: [0.0, 0.0] for c in codecs}
        for i, frame in enumerate(frames):
            for c in codecs if i % 2 == 0 else codecs[::-1]:
                t0 = time.process_time()
                modules[c].compress_video_frame(frame, i, config)
                rung[c][0 if i == 0 else 1] += time.process_time() - t0
        print(name, quality, "  ".join(
            f"{os.path.basename(c)} I {rung[c][0]:.3f} P {rung[c][1]:.3f} ({rung[c][1] / (count - 1) * 1000:.0f} ms/P)"
            for c in codecs), flush=True)
        for c in codecs:
            totals[c][0] += rung[c][0]
            totals[c][1] += rung[c][1]
    first = sum(totals[codecs[0]])
    for c in codecs:
        print(f"{os.path.basename(c):20s} I {totals[c][0]:.2f} P {totals[c][1]:.2f} total {sum(totals[c]):.2f}"
              f"  speed vs the first {first / sum(totals[c]):.3f}x")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
