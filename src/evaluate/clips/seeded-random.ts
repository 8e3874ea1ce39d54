/**
 * A seeded random byte stream: the AES-256-CTR keystream under a key derived
 * from a label and a seed (SHA-256). It is fast (native AES), identical on
 * every platform and Node version, and unrelated across seeds, so a codec
 * cannot predict synthetic content from the frame index.
 */
import { createCipheriv, createHash, type Cipher } from "node:crypto";

const POOL_SIZE = 4096;

export class SeededRandom {
  private readonly cipher: Cipher;
  private pool: Uint8Array = new Uint8Array(0);
  private position = 0;

  /** A stream determined by `label` (e.g. the generator name) and `seed`. */
  constructor(label: string, seed: number) {
    const key = createHash("sha256").update(`codec-evolve synthetic ${label} ${seed}`).digest();
    this.cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  }

  /** The next n keystream bytes, in a fresh buffer. */
  bytes(n: number): Uint8Array {
    const chunk = this.cipher.update(Buffer.alloc(n));
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    if (this.position + 4 > this.pool.length) {
      this.pool = this.bytes(POOL_SIZE);
      this.position = 0;
    }
    const p = this.position;
    this.position += 4;
    return (
      ((this.pool[p] as number) |
        ((this.pool[p + 1] as number) << 8) |
        ((this.pool[p + 2] as number) << 16) |
        ((this.pool[p + 3] as number) << 24)) >>>
      0
    );
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.uint32() / 2 ** 32;
  }

  /** A uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
}
