#!/usr/bin/python3
"""Test driver: runs codec/evolved_codec.py through its public contract only.

    codec-driver.py encode CODEC.py BITS W H FRAMES QUALITY [TUNABLES]  -> JSON {bytes, frameBytes}
    codec-driver.py decode CODEC.py BITS W H FRAMES QUALITY [TUNABLES]  -> JSON {shapes, dtypes, sha256, psnrRgb, ...}

TUNABLES is `default`, `min` or `max`: with min/max every value of the codec's
tunables block is set to that end of its declared range (as the offline
proposer may do), on both sides.

Encode and decode are meant to run in separate processes. The source clip is
synthetic and deterministic (textured gradient, a moving disc, a panning
checker), so the decoder side can regenerate it to measure PSNR-RGB.
"""
import hashlib
import importlib.util
import json
import math
import re
import struct
import sys

import numpy as np


def synthetic_clip(width, height, frames):
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    rng = np.random.default_rng(7)
    texture = rng.normal(0.0, 6.0, (height + 64, width + 64))
    out = []
    for t in range(frames):
        luma = texture[t : t + height, 2 * t : 2 * t + width] + 40 * (((xx + 2 * t) // 8 + (yy + t) // 8) % 2)
        r = 90 + 60 * np.sin((xx + 3 * t) / 17.0) + luma
        g = 70 + 0.4 * yy + 30 * np.cos((yy - 2 * t) / 11.0) + luma
        b = 100 + luma
        cx, cy = width * 0.3 + 1.5 * t, height * 0.5 + 0.7 * t
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < (min(width, height) * 0.2) ** 2
        frame = np.stack([r, g, b], -1)
        frame[disc] = (200, 190 - t, 170)
        out.append(np.clip(np.rint(frame), 0, 255).astype(np.uint8))
    return out


def load_codec(path):
    spec = importlib.util.spec_from_file_location("codec_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TUNABLE_LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)\s*=\s*(\S+)\s*#\s*range\s+(\S+)\.\.(\S+)\s*$")


def apply_tunables(codec, codec_path, which):
    """Set every declared tunable to the low or high end of its range (ints stay ints)."""
    if which == "default":
        return {}
    with open(codec_path) as fh:
        text = fh.read()
    block = text.split("# --- tunables: begin ---")[1].split("# --- tunables: end ---")[0]
    values = {}
    for line in block.strip().splitlines():
        m = TUNABLE_LINE.match(line.strip())
        if not m:
            raise ValueError(f"malformed tunable line: {line!r}")
        name, value, lo, hi = m.groups()
        end = lo if which == "min" else hi
        values[name] = int(end) if "." not in value else float(end)
        setattr(codec, name, values[name])
    return values


def psnr(a, b):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def main():
    mode, codec_path, bits_path = sys.argv[1:4]
    width, height, frames, quality = (int(v) for v in sys.argv[4:8])
    codec = load_codec(codec_path)
    apply_tunables(codec, codec_path, sys.argv[8] if len(sys.argv) > 8 else "default")
    config = {"quality": quality, "width": width, "height": height, "fps": 25}
    source = synthetic_clip(width, height, frames)
    if mode == "encode":
        payloads = [bytes(codec.compress_video_frame(f.copy(), i, dict(config))) for i, f in enumerate(source)]
        with open(bits_path, "wb") as fh:
            for p in payloads:
                fh.write(struct.pack("<I", len(p)) + p)
        print(json.dumps({"bytes": sum(map(len, payloads)), "frameBytes": [len(p) for p in payloads]}))
        return
    with open(bits_path, "rb") as fh:
        blob = fh.read()
    pos, decoded = 0, []
    for i in range(frames):
        (n,) = struct.unpack_from("<I", blob, pos)
        decoded.append(codec.decompress_video_frame(blob[pos + 4 : pos + 4 + n], i, dict(config)))
        pos += 4 + n
    digest = hashlib.sha256()
    for d in decoded:
        digest.update(np.ascontiguousarray(d).tobytes() if isinstance(d, np.ndarray) else b"?")
    ok = all(isinstance(d, np.ndarray) for d in decoded)
    print(json.dumps({
        "shape": list(decoded[0].shape) if ok else None,
        "shapes": [list(d.shape) for d in decoded] if ok else None,
        "dtype": str(decoded[0].dtype) if ok else None,
        "dtypes": sorted({str(d.dtype) for d in decoded}) if ok else None,
        "sha256": digest.hexdigest(),
        "psnrRgb": psnr(np.stack(source), np.stack(decoded)) if ok else None,
        "framePsnr": [psnr(s, d) for s, d in zip(source, decoded)] if ok else None,
    }))


if __name__ == "__main__":
    main()
