#!/usr/bin/python3
"""How many C-level and Python-level calls one encoded frame makes (where a numpy codec's time goes).

    /usr/bin/python3 scripts/count-calls.py CODEC.py CLIP.y4m [--quality 80] [--frames 4]

Encodes the first FRAMES frames; the last one is encoded under sys.setprofile, which counts every call of
a C function (numpy's functions and methods, builtins) and every Python-level call. Array operators
(a + b, a[i]) raise no profile event, so the C count is a lower bound on numpy's calls. The frame before,
encoded without the profiler, gives its CPU time. Session 25 measured v8 on coffee-zoom q80 with it: about
15,000 C calls and 11,000 Python calls in a P frame of about 120 ms (codec/README.md, "Known limits").
"""
import argparse
import collections
import importlib.util
import os
import sys
import time

# One BLAS/OpenMP thread, as in the sandbox (src/sandbox/isolation.ts).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# ab-codecs.py's fresh-module loader and Y4M reader (C-order frames, as the sandbox harness passes them)
_spec = importlib.util.spec_from_file_location("ab_codecs", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ab-codecs.py"))
_ab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ab)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("codec")
    ap.add_argument("clip")
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    if args.frames < 2:
        sys.exit("--frames must be at least 2 (the frame before the counted one is timed without the profiler)")
    frames = _ab.read_y4m(args.clip, args.frames)
    h, w = frames[0].shape[:2]
    cfg = {"quality": args.quality, "width": w, "height": h}
    codec = _ab.load(args.codec)
    c_calls, py_calls = collections.Counter(), collections.Counter()

    def profile(frame, event, arg):
        if event == "c_call":
            c_calls[getattr(arg, "__qualname__", str(arg))] += 1
        elif event == "call":
            py_calls[frame.f_code.co_name] += 1

    for i, f in enumerate(frames[:-1]):
        t = time.process_time()
        codec.compress_video_frame(f, i, cfg)
        seconds = time.process_time() - t
    sys.setprofile(profile)
    codec.compress_video_frame(frames[-1], len(frames) - 1, cfg)
    sys.setprofile(None)
    print(f"frame {len(frames) - 1} at q{args.quality}: {sum(c_calls.values())} C calls, "
          f"{sum(py_calls.values())} Python calls (frame {len(frames) - 2}, unprofiled: {seconds * 1e3:.1f} ms CPU)")
    print("C:", ", ".join(f"{k} {v}" for k, v in c_calls.most_common(args.top)))
    print("Python:", ", ".join(f"{k} {v}" for k, v in py_calls.most_common(args.top)))


if __name__ == "__main__":
    main()
