import type { Frame } from "../../../src/evaluate/clips/clip.js";
import type { CodecConfig } from "../../../src/sandbox/codec-config.js";

/** Small moving-gradient frames: enough content for codecs to do real work, fast in tests. */
export function gradientFrames(count: number, width = 32, height = 32): Frame[] {
  return Array.from({ length: count }, (_, t) => {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        data[i] = (x * 8 + t * 5) & 255;
        data[i + 1] = (y * 8) & 255;
        data[i + 2] = ((x + y) * 4 + t * 3) & 255;
      }
    }
    return { width, height, data };
  });
}

/** The config for frames from gradientFrames. */
export function configFor(
  frames: readonly Frame[],
  extra: Record<string, unknown> = {},
): CodecConfig {
  const first = frames[0]!;
  return { quality: 50, width: first.width, height: first.height, fps: 25, ...extra };
}
