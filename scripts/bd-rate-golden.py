#!/usr/bin/python3
"""Golden values for src/evaluate/rd (Pchip and bdRate), computed with SciPy.

Run with Debian's interpreter (it has numpy and scipy):
    /usr/bin/python3 scripts/bd-rate-golden.py > test/fixtures/bd-rate-golden.json

BD-rate definition reproduced here (and in src/evaluate/rd/bd-rate.ts):
sort each curve by rate; x = quality (dB), y = ln(rate); PCHIP y(x) per curve
(scipy.interpolate.PchipInterpolator); integrate both exactly over the
overlapping quality interval [max of minima, min of maxima]; the mean
difference d = (int_test - int_anchor) / (hi - lo); BD-rate = (e^d - 1) * 100.
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy.interpolate import PchipInterpolator


def bd_rate(anchor, test):
    def curve(points):
        points = sorted(points, key=lambda p: p[0])
        quality = np.array([p[1] for p in points], dtype=float)
        log_rate = np.log(np.array([p[0] for p in points], dtype=float))
        return quality, log_rate

    qa, la = curve(anchor)
    qt, lt = curve(test)
    lo = max(qa.min(), qt.min())
    hi = min(qa.max(), qt.max())
    int_anchor = PchipInterpolator(qa, la).integrate(lo, hi)
    int_test = PchipInterpolator(qt, lt).integrate(lo, hi)
    return (math.exp((int_test - int_anchor) / (hi - lo)) - 1) * 100


# (rate, quality) points; rates in kbps or bits, any consistent unit.
# Classic JCT-VC style anchor (HM-like, 4 QPs) and variants.
HM = [(9487.76, 40.4928), (4593.60, 37.9888), (2486.00, 35.3398), (1358.00, 32.5398)]
CASES = [
    {
        "name": "jctvc-4pt-test-better",
        "anchor": HM,
        "test": [(8989.01, 40.5253), (4358.69, 38.0196), (2362.71, 35.3742), (1293.21, 32.5817)],
    },
    {
        "name": "jctvc-4pt-test-worse",
        "anchor": HM,
        "test": [(10311.2, 40.4102), (5102.0, 37.8801), (2790.1, 35.2197), (1540.9, 32.4402)],
    },
    {
        "name": "partial-overlap-high",
        "anchor": [(100, 30.0), (200, 33.1), (400, 36.0), (800, 38.7)],
        "test": [(260, 34.2), (480, 36.9), (900, 39.4), (1700, 41.8)],
    },
    {
        "name": "partial-overlap-low",
        "anchor": [(300, 33.5), (600, 36.4), (1200, 39.2), (2400, 41.7)],
        "test": [(90, 28.9), (180, 31.8), (350, 34.9), (700, 37.7)],
    },
    {
        "name": "six-points-each",
        "anchor": [(0.05, 27.1), (0.09, 29.4), (0.16, 31.9), (0.3, 34.6), (0.55, 37.2), (1.0, 39.9)],
        "test": [(0.04, 27.5), (0.075, 29.9), (0.14, 32.6), (0.26, 35.1), (0.5, 37.9), (0.92, 40.6)],
    },
    {
        "name": "seven-vs-five-unsorted",
        "anchor": [(3.1, 36.2), (0.4, 28.0), (0.8, 30.6), (1.6, 33.4), (6.2, 38.8), (12.0, 41.0), (0.2, 25.1)],
        "test": [(2.0, 36.9), (0.6, 31.3), (0.3, 28.2), (1.1, 34.1), (4.0, 39.5)],
    },
    {
        "name": "kinked-curve-flat-slope-edges",
        "anchor": [(100, 30.0), (110, 33.0), (400, 33.5), (420, 38.0), (2000, 38.2)],
        "test": [(90, 30.5), (150, 33.2), (300, 35.0), (800, 37.6), (1500, 38.4)],
    },
    {
        "name": "uneven-spacing-large-gap",
        "anchor": [(50, 24.0), (55, 24.6), (60, 25.1), (1000, 40.0)],
        "test": [(40, 23.0), (300, 33.0), (600, 37.0), (1200, 41.0)],
    },
    {
        "name": "x265-like-vs-jpeg-like-bits",
        "anchor": [(1.2e6, 32.1), (2.3e6, 35.0), (4.4e6, 37.9), (8.9e6, 40.8), (1.7e7, 43.2)],
        "test": [(4.1e6, 31.7), (7.2e6, 34.6), (1.3e7, 37.8), (2.4e7, 40.9), (4.6e7, 44.0)],
    },
    {
        "name": "identical",
        "anchor": HM,
        "test": HM,
    },
]


def pchip_cases():
    """Interpolant values and integrals at many points, including extrapolation."""
    sets = [
        ("monotone-4", [30.0, 33.1, 36.0, 38.7], [4.6, 5.3, 6.0, 6.68]),
        ("sign-change", [0.0, 1.0, 2.5, 3.0, 4.5, 6.0], [1.0, 3.0, 2.0, 2.0, 5.0, -1.0]),
        ("edge-overshoot", [0.0, 0.1, 3.0, 3.2], [0.0, 1.0, 1.1, 5.0]),
        ("uneven-7", [-2.0, -1.5, 0.0, 0.2, 1.9, 2.0, 7.0], [3.0, 2.5, 2.4, 0.0, -0.3, 0.1, 4.0]),
        ("three-points", [1.0, 2.0, 4.0], [1.0, 4.0, 2.0]),
        ("two-points", [1.0, 3.0], [2.0, -2.0]),
    ]
    out = []
    for name, x, y in sets:
        p = PchipInterpolator(np.array(x), np.array(y))
        lo, hi = x[0], x[-1]
        span = hi - lo
        at = sorted(set(np.linspace(lo - 0.2 * span, hi + 0.2 * span, 41).tolist() + x))
        integrals = [
            (lo, hi),
            (lo + 0.1 * span, hi - 0.3 * span),
            (hi - 0.05 * span, lo + 0.05 * span),
            (lo - 0.3 * span, hi + 0.1 * span),
            (x[1], x[1]),
        ]
        out.append(
            {
                "name": name,
                "x": x,
                "y": y,
                "at": [[float(t), float(p(t))] for t in at],
                "integral": [[float(a), float(b), float(p.integrate(a, b))] for a, b in integrals],
            }
        )
    return out


def main():
    golden = {
        "generator": "scripts/bd-rate-golden.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "bdRate": [
            {
                "name": case["name"],
                "anchor": [{"rate": r, "quality": q} for r, q in case["anchor"]],
                "test": [{"rate": r, "quality": q} for r, q in case["test"]],
                "bdRate": bd_rate(case["anchor"], case["test"]),
            }
            for case in CASES
        ],
        "pchip": pchip_cases(),
    }
    json.dump(golden, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
