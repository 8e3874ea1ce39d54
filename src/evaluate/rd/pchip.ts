/**
 * Piecewise cubic Hermite interpolating polynomial, shape-preserving, computed
 * exactly as SciPy's `PchipInterpolator` (1.10) does so BD-rates can be
 * reproduced in Python: Fritsch–Carlson interior slopes (weighted harmonic
 * mean, zero at local extrema and flat segments), SciPy's one-sided
 * three-point end slopes with its shape-preserving clamps, linear for two
 * points, extrapolation with the end polynomials, and the same polynomial
 * coefficients and evaluation order as its PPoly.
 */
export class Pchip {
  private readonly x: Float64Array;
  /** PPoly coefficients per interval: c3[i] + c2[i]·s + c1[i]·s² + c0[i]·s³, s = t − x[i]. */
  private readonly c0: Float64Array;
  private readonly c1: Float64Array;
  private readonly c2: Float64Array;
  private readonly c3: Float64Array;

  constructor(x: readonly number[], y: readonly number[]) {
    if (x.length !== y.length) {
      throw new Error(`Pchip: x has ${x.length} values but y has ${y.length}`);
    }
    if (x.length < 2) throw new Error(`Pchip: need at least 2 points, got ${x.length}`);
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
        throw new Error(`Pchip: point ${i} (${x[i]}, ${y[i]}) is not finite`);
      }
      if (i > 0 && !(x[i]! > x[i - 1]!)) {
        throw new Error(
          `Pchip: x must be strictly increasing, but x[${i}] = ${x[i]} follows ${x[i - 1]}`,
        );
      }
    }
    const n = x.length;
    this.x = Float64Array.from(x);
    const slopes = derivatives(x, y);
    this.c0 = new Float64Array(n - 1);
    this.c1 = new Float64Array(n - 1);
    this.c2 = new Float64Array(n - 1);
    this.c3 = new Float64Array(n - 1);
    // scipy CubicHermiteSpline.__init__: the Hermite form written as PPoly coefficients.
    for (let i = 0; i < n - 1; i++) {
      const dx = x[i + 1]! - x[i]!;
      const slope = (y[i + 1]! - y[i]!) / dx;
      const t = (slopes[i]! + slopes[i + 1]! - 2 * slope) / dx;
      this.c0[i] = t / dx;
      this.c1[i] = (slope - slopes[i]!) / dx - t;
      this.c2[i] = slopes[i]!;
      this.c3[i] = y[i]!;
    }
  }

  /** Value at t; outside [x0, xn] the end polynomials extrapolate. */
  at(t: number): number {
    const i = this.interval(t);
    const s = t - this.x[i]!;
    // PPoly's evaluate_poly1 order: ascending powers, running power of s.
    let result = this.c3[i]!;
    let z = s;
    result += this.c2[i]! * z;
    z *= s;
    result += this.c1[i]! * z;
    z *= s;
    result += this.c0[i]! * z;
    return result;
  }

  /** Exact integral from a to b (negative when b < a), extrapolating beyond the ends. */
  integral(a: number, b: number): number {
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      throw new Error(`Pchip.integral: bounds must be finite, got ${a}, ${b}`);
    }
    let sign = 1;
    if (b < a) {
      [a, b] = [b, a];
      sign = -1;
    }
    const first = this.interval(a);
    const last = this.interval(b);
    let total = 0;
    for (let i = first; i <= last; i++) {
      const end = i === last ? b - this.x[i]! : this.x[i + 1]! - this.x[i]!;
      const start = i === first ? a - this.x[i]! : 0;
      total += this.antiderivative(i, end) - this.antiderivative(i, start);
    }
    return sign * total;
  }

  /** Local antiderivative of interval i at offset s, in PPoly's term order. */
  private antiderivative(i: number, s: number): number {
    let z = s;
    let result = this.c3[i]! * z;
    z *= s;
    result += (this.c2[i]! * z) / 2;
    z *= s;
    result += (this.c1[i]! * z) / 3;
    z *= s;
    result += (this.c0[i]! * z) / 4;
    return result;
  }

  /** Index i of the interval [x[i], x[i+1]) holding t, clamped to the end intervals (scipy find_interval). */
  private interval(t: number): number {
    const x = this.x;
    const last = x.length - 2;
    if (!(t >= x[0]!)) return 0;
    if (t >= x[last + 1]!) return last;
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (x[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** scipy PchipInterpolator._find_derivatives. */
function derivatives(x: readonly number[], y: readonly number[]): Float64Array {
  const n = x.length;
  const h = new Float64Array(n - 1);
  const m = new Float64Array(n - 1);
  for (let k = 0; k < n - 1; k++) {
    h[k] = x[k + 1]! - x[k]!;
    m[k] = (y[k + 1]! - y[k]!) / h[k]!;
  }
  const d = new Float64Array(n);
  if (n === 2) {
    d[0] = m[0]!;
    d[1] = m[0]!;
    return d;
  }
  for (let k = 1; k < n - 1; k++) {
    const left = m[k - 1]!;
    const right = m[k]!;
    if (Math.sign(right) !== Math.sign(left) || right === 0 || left === 0) {
      d[k] = 0;
      continue;
    }
    const w1 = 2 * h[k]! + h[k - 1]!;
    const w2 = h[k]! + 2 * h[k - 1]!;
    const harmonicMean = (w1 / left + w2 / right) / (w1 + w2);
    d[k] = 1 / harmonicMean;
  }
  d[0] = endSlope(h[0]!, h[1]!, m[0]!, m[1]!);
  d[n - 1] = endSlope(h[n - 2]!, h[n - 3]!, m[n - 2]!, m[n - 3]!);
  return d;
}

/** scipy PchipInterpolator._edge_case: one-sided three-point slope, clamped to preserve shape. */
function endSlope(h0: number, h1: number, m0: number, m1: number): number {
  const d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
  if (Math.sign(d) !== Math.sign(m0)) return 0;
  if (Math.sign(m0) !== Math.sign(m1) && Math.abs(d) > 3 * Math.abs(m0)) return 3 * m0;
  return d;
}
