#!/usr/bin/python3
"""In-process A/B of two versions of the codec: BD-rate (PSNR-RGB) of B against A per clip.

    scripts/ab-codecs.py A.py B.py clips/*.y4m [--frames N] [--quality 20,35,50,65,80]

A developer's quick check before a proposal goes through `evolve` (which is what counts): both
codecs encode the same frames in this process and decode them in a fresh module instance, the
rate is the payload bytes, the quality PSNR over every RGB sample, BD-rate the PCHIP of log-rate
over PSNR integrated over the overlap (as src/evaluate/rd does). The Y4M is turned into RGB exactly as
the evaluator does (src/evaluate/clips/colour.ts), so the codecs see the sandbox's pixels and write its bytes.
Also prints each codec's encode time (CPU seconds, this process), so speed is compared side by side.
"""
import argparse
import importlib.util
import itertools
import os
import sys
import time

# One BLAS/OpenMP thread, as in the sandbox (src/sandbox/isolation.ts): with a pool the encode times and
# their ratios differ from the sandbox's (v4 vs c0015 on astronaut-pan: 1.75x with threads, 1.60x without).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# glibc's allocator as the sandbox sets it (src/sandbox/isolation.ts). Without it freed frame-sized arrays go
# back to the kernel and fault in again, and two codecs that allocate differently time differently here than
# in the sandbox (a batched RDOQ read 9 % slower in process, 1.01x side by side in the sandbox).
SANDBOX_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": str(64 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(128 * 1024 * 1024),
    "MALLOC_TOP_PAD_": str(16 * 1024 * 1024),
}


def use_sandbox_allocator():
    """Re-run this script with the sandbox's malloc settings unless it has them (glibc reads them at start)."""
    if all(os.environ.get(k) == v for k, v in SANDBOX_MALLOC.items()):
        return
    os.environ.update(SANDBOX_MALLOC)
    os.execv(sys.executable, [sys.executable] + sys.argv)


import numpy as np
from scipy.interpolate import PchipInterpolator

_count = itertools.count()


def load(path):
    """A fresh module instance of the codec (its encoder/decoder state is per module)."""
    spec = importlib.util.spec_from_file_location(f"codec_ab_{next(_count)}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _js_round(x):
    """JavaScript's Math.round (halves toward +infinity), which the evaluator's coefficients use."""
    return np.floor(x + 0.5)


def _upsample_taps(size, chroma):
    """src/evaluate/clips/colour.ts upsampleTaps: luma 2i takes chroma i (3/4) and i-1 (1/4), 2i+1 takes i and i+1."""
    x = np.arange(size)
    near = x >> 1
    far = np.clip(np.where(x & 1, near + 1, near - 1), 0, chroma - 1)
    return near, far


def read_y4m(path, frames):
    """RGB frames (uint8) of a 4:2:0 Y4M file, converted exactly as the evaluator does
    (src/evaluate/clips/colour.ts: BT.601, the header's range, bilinear 9-3-3-1 chroma, 16.16 fixed
    point), so a codec sees here the very frames it sees in the sandbox: a codec's decisions are chaotic,
    and other input pixels move a clip's BD-rate by tenths of a percent."""
    data = open(path, "rb").read()
    head_end = data.index(b"\n")
    fields = data[:head_end].split()
    w = int(next(f[1:] for f in fields if f.startswith(b"W")))
    h = int(next(f[1:] for f in fields if f.startswith(b"H")))
    full = b"XCOLORRANGE=FULL" in fields
    ys, cs, y_off = (1.0, 1.0, 0) if full else (255 / 219, 255 / 224, 16)
    kr, kb = 0.299, 0.114
    kg = 1 - kr - kb
    k_y = int(_js_round(ys * 65536))
    v_r = int(_js_round(cs * 2 * (1 - kr) * 65536))
    u_g = int(_js_round(-cs * 2 * (1 - kb) * kb / kg * 65536))
    v_g = int(_js_round(-cs * 2 * (1 - kr) * kr / kg * 65536))
    u_b = int(_js_round(cs * 2 * (1 - kb) * 65536))
    cw, ch = (w + 1) // 2, (h + 1) // 2
    cn, cf = _upsample_taps(w, cw)
    rn, rf = _upsample_taps(h, ch)
    shift = 20
    pos = head_end + 1
    out = []
    size = w * h + 2 * cw * ch
    while pos < len(data) and len(out) < frames:
        pos = data.index(b"\n", pos) + 1
        buf = np.frombuffer(data, np.uint8, size, pos).astype(np.int64)
        pos += size
        y = buf[: w * h].reshape(h, w)

        def up(plane):
            p = plane.reshape(ch, cw)
            return 9 * p[rn][:, cn] + 3 * (p[rn][:, cf] + p[rf][:, cn]) + p[rf][:, cf] - 128 * 16

        u = up(buf[w * h : w * h + cw * ch])
        v = up(buf[w * h + cw * ch :])
        yy = k_y * 16 * (y - y_off) + (1 << (shift - 1))
        rgb = np.stack([yy + v_r * v, yy + u_g * u + v_g * v, yy + u_b * u], -1) >> shift
        # C order, as the sandbox harness passes frames (the fancy-indexed chroma leaves this one column-major)
        out.append(np.ascontiguousarray(np.clip(rgb, 0, 255).astype(np.uint8)))
    return out


def run(path, frames, quality):
    """(bits, psnr, encode seconds) of one clip at one quality."""
    enc = load(path)
    dec = load(path)
    h, w = frames[0].shape[:2]
    cfg = {"quality": quality, "width": w, "height": h}
    t = time.process_time()
    payloads = [enc.compress_video_frame(f, i, cfg) for i, f in enumerate(frames)]
    secs = time.process_time() - t
    se = 0.0
    for i, (f, p) in enumerate(zip(frames, payloads)):
        r = dec.decompress_video_frame(p, i, cfg)
        se += np.sum((r.astype(np.float64) - f) ** 2)
    mse = se / (len(frames) * h * w * 3)
    bits = 8 * sum(len(p) for p in payloads)
    return bits, 10 * np.log10(255.0**2 / mse), secs


def bd_rate(ra, pa, rb, pb):
    """Percent more bits B needs than A at equal PSNR (negative: B is better)."""
    lo = max(min(pa), min(pb))
    hi = min(max(pa), max(pb))
    ia = PchipInterpolator(pa, np.log(ra)).integrate(lo, hi)
    ib = PchipInterpolator(pb, np.log(rb)).integrate(lo, hi)
    return (np.exp((ib - ia) / (hi - lo)) - 1) * 100


def main():
    use_sandbox_allocator()
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--quality", default="20,35,50,65,80")
    args = ap.parse_args()
    qs = [int(q) for q in args.quality.split(",")]
    results = []
    times = [0.0, 0.0]
    nframes = 0
    for clip in args.clips:
        frames = read_y4m(clip, args.frames)
        nframes += len(frames) * len(qs)
        curves = []
        for k, codec in enumerate((args.a, args.b)):
            pts = [run(codec, frames, q) for q in qs]
            times[k] += sum(p[2] for p in pts)
            curves.append(pts)
        (ra, pa), (rb, pb) = [([p[0] for p in c], [p[1] for p in c]) for c in curves]
        bd = bd_rate(ra, pa, rb, pb)
        results.append(bd)
        rows = " ".join(f"q{q}:{b0 / a0 - 1:+.1%}/{pb_ - pa_:+.2f}dB" for q, a0, b0, pa_, pb_ in zip(qs, ra, rb, pa, pb))
        print(f"{clip.split('/')[-1]:28s} BD {bd:+6.2f} %   {rows}", flush=True)
    print(f"mean BD-rate B vs A: {np.mean(results):+.2f} %  ({len(results)} clips)")
    print(f"encode CPU fps: A {nframes / times[0]:.2f}  B {nframes / times[1]:.2f}  (B/A time {times[1] / times[0]:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
