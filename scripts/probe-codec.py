#!/usr/bin/python3
"""Rate-distortion probe for a codec-evolve codec (developer tool, not the evaluator).

Encodes each clip in this process, decodes it in a separate fresh python3
process (so nothing but the bytes crosses), and prints per quality: bits per
pixel, PSNR-RGB, encode/decode fps; then BD-rate (PCHIP on log-rate over
PSNR, exact integral over the overlap) against x265 and JPEG run on the same
RGB frames.

    /usr/bin/python3 scripts/probe-codec.py codec/evolved_codec.py /tmp/cc/pan_cif.y4m \
        [--quality 20,35,50,65,80] [--frames 30] [--baselines x265,jpeg]

x265: ffmpeg libx265 preset medium, tune psnr, one key frame, CRF 22..42.
JPEG: OpenCV (libjpeg-turbo) 4:2:0 per frame, quality 10..95.
"""
import argparse
import importlib.util
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.interpolate import PchipInterpolator


def load_codec(path):
    spec = importlib.util.spec_from_file_location("probe_codec", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def probe_size(clip):
    out = subprocess.check_output(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,r_frame_rate", "-of", "json", clip])
    s = json.loads(out)["streams"][0]
    num, den = s["r_frame_rate"].split("/")
    return int(s["width"]), int(s["height"]), float(num) / float(den)


def read_rgb(clip, frames):
    w, h, fps = probe_size(clip)
    raw = subprocess.check_output(
        ["ffmpeg", "-v", "error", "-i", clip, "-frames:v", str(frames), "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"])
    n = len(raw) // (w * h * 3)
    return np.frombuffer(raw, np.uint8)[: n * w * h * 3].reshape(n, h, w, 3), fps


def psnr_rgb(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def bd_rate(anchor, test):
    """anchor/test: lists of (rate, psnr)."""
    def curve(points):
        points = sorted(points, key=lambda p: p[0])
        return np.array([p[1] for p in points]), np.log(np.array([p[0] for p in points]))

    qa, la = curve(anchor)
    qt, lt = curve(test)
    lo, hi = max(qa.min(), qt.min()), min(qa.max(), qt.max())
    if hi <= lo:
        return float("nan")
    ia = PchipInterpolator(qa, la).integrate(lo, hi)
    it = PchipInterpolator(qt, lt).integrate(lo, hi)
    return (math.exp((it - ia) / (hi - lo)) - 1) * 100


def decode_worker(codec_path, bits_path, cfg_json, out_path):
    codec = load_codec(codec_path)
    cfg = json.loads(cfg_json)
    with open(bits_path, "rb") as f:
        blob = f.read()
    pos, i, frames = 0, 0, []
    t = time.perf_counter()
    while pos < len(blob):
        (n,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        out = codec.decompress_video_frame(blob[pos : pos + n], i, cfg)
        assert out.shape == (cfg["height"], cfg["width"], 3) and out.dtype == np.uint8
        frames.append(out)
        pos += n
        i += 1
    dt = time.perf_counter() - t
    np.stack(frames).tofile(out_path)
    print(json.dumps({"seconds": dt, "frames": i}))


def run_codec(codec_path, frames, fps, quality, tmp):
    codec = load_codec(codec_path)
    n, h, w, _ = frames.shape
    cfg = {"quality": quality, "width": w, "height": h, "fps": fps}
    t = time.perf_counter()
    payloads = [codec.compress_video_frame(frames[i].copy(), i, cfg) for i in range(n)]
    enc_s = time.perf_counter() - t
    bits_path = os.path.join(tmp, "bits")
    out_path = os.path.join(tmp, "out.rgb")
    with open(bits_path, "wb") as f:
        for p in payloads:
            f.write(struct.pack("<I", len(p)) + p)
    res = subprocess.run(
        [sys.executable, __file__, "--decode-worker", codec_path, bits_path, json.dumps(cfg), out_path],
        check=True, capture_output=True, text=True)
    dec = json.loads(res.stdout.strip().splitlines()[-1])
    recon = np.fromfile(out_path, np.uint8).reshape(frames.shape)
    total = sum(len(p) for p in payloads)
    return {
        "quality": quality, "bytes": total, "bpp": total * 8 / (n * w * h),
        "psnr": psnr_rgb(frames, recon), "enc_fps": n / enc_s, "dec_fps": n / dec["seconds"],
        "iframe_bytes": len(payloads[0]),
    }


def x265_curve(frames, fps, tmp, crfs=(22, 27, 32, 37, 42)):
    n, h, w, _ = frames.shape
    src = os.path.join(tmp, "src.rgb")
    frames.tofile(src)
    pts = []
    for crf in crfs:
        hevc = os.path.join(tmp, "x.hevc")
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
             "-r", str(fps), "-i", src, "-pix_fmt", "yuv420p", "-c:v", "libx265", "-preset", "medium",
             "-tune", "psnr", "-x265-params",
             f"crf={crf}:keyint={n + 1}:min-keyint={n + 1}:scenecut=0:log-level=error", "-f", "hevc", hevc],
            check=True)
        raw = subprocess.check_output(
            ["ffmpeg", "-v", "error", "-i", hevc, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        rec = np.frombuffer(raw, np.uint8).reshape(frames.shape)
        size = os.path.getsize(hevc)
        pts.append((size * 8 / (n * w * h), psnr_rgb(frames, rec)))
    return pts


def jpeg_curve(frames, qualities=(10, 20, 35, 50, 65, 80, 90, 95)):
    import cv2

    n, h, w, _ = frames.shape
    pts = []
    for q in qualities:
        total, rec = 0, []
        for f in frames:
            ok, buf = cv2.imencode(".jpg", f[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
            total += len(buf)
            rec.append(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])
        pts.append((total * 8 / (n * w * h), psnr_rgb(frames, np.stack(rec))))
    return pts


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--decode-worker":
        decode_worker(*sys.argv[2:6])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("codec")
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--quality", default="20,35,50,65,80")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--baselines", default="x265,jpeg")
    args = ap.parse_args()
    qualities = [int(q) for q in args.quality.split(",")]
    baselines = [b for b in args.baselines.split(",") if b]
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        for clip in args.clips:
            frames, fps = read_rgb(clip, args.frames)
            n, h, w, _ = frames.shape
            name = os.path.splitext(os.path.basename(clip))[0]
            print(f"== {name}: {w}x{h}, {n} frames")
            rows = [run_codec(os.path.abspath(args.codec), frames, fps, q, tmp) for q in qualities]
            for r in rows:
                print(f"  q{r['quality']:>3}  bpp {r['bpp']:.4f}  PSNR-RGB {r['psnr']:.2f} dB  "
                      f"I-frame {r['iframe_bytes']} B  enc {r['enc_fps']:.1f} fps  dec {r['dec_fps']:.1f} fps")
            ours = [(r["bpp"], r["psnr"]) for r in rows]
            summary[name] = {"codec": rows}
            for b in baselines:
                pts = x265_curve(frames, fps, tmp) if b == "x265" else jpeg_curve(frames)
                bd = bd_rate(pts, ours)
                summary[name][b] = {"points": pts, "bdRate": bd}
                print(f"  {b}: " + "  ".join(f"({p[0]:.3f}, {p[1]:.2f})" for p in pts))
                print(f"  BD-rate vs {b}: {bd:+.1f} %")
    print(json.dumps({k: {b: v[b]["bdRate"] for b in v if b != "codec"} for k, v in summary.items()}))


if __name__ == "__main__":
    main()
