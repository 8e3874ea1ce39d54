/**
 * A small seeded random source (mulberry32): the same seed gives the same
 * choices on every machine, so a run can be replayed and resumed exactly.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** A deterministic random source from any number of integer or string seeds mixed together. */
export function seededRandom(...seeds: Array<number | string>): Random {
  let state = 0x9e3779b9;
  for (const seed of seeds) {
    const text = String(seed);
    for (let i = 0; i < text.length; i++) {
      state = Math.imul(state ^ text.charCodeAt(i), 0x85ebca6b);
      state ^= state >>> 13;
    }
    state = Math.imul(state ^ 0x2f, 0xc2b2ae35);
  }
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
