/**
 * `--visual DIR`: per clip, the region where the candidate's error is largest
 * and one fixed region (the centre of the middle frame), as PNGs of source,
 * candidate and x265 side by side. The candidate's pictures come from the
 * `--recon` files (raw rgb24 on disk), x265's from re-encoding that source at
 * the x265 rung nearest in bits per pixel; frames are read one at a time.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { safeFileName } from "../charts/safe-file-name.js";
import type { ClipResult, EvaluationResult, Rung } from "../evaluate/results.js";
import { composeVisual } from "./compose-visual.js";
import { clipPsnrRgb, frameBytes, readFrame, type RawClip } from "./raw-frames.js";
import { centreRegion, worstRegion, type Region } from "./worst-region.js";
import { x265Reencode } from "./x265-reencode.js";

/** Side of the compared square, in source pixels (smaller clips use their short side). */
export const REGION_SIZE = 128;

export interface WrittenVisual {
  clip: string;
  kind: "worst" | "fixed";
  path: string;
  region: Region;
}

/** Write the comparison PNGs of every shown clip of `result`, from the recon files in `reconDir`. */
export async function writeVisuals(
  result: EvaluationResult,
  reconDir: string,
  outDir: string,
): Promise<WrittenVisual[]> {
  await mkdir(outDir, { recursive: true });
  const written: WrittenVisual[] = [];
  for (const clip of result.clips) written.push(...(await visualsOfClip(clip, reconDir, outDir)));
  return written;
}

async function visualsOfClip(
  clip: ClipResult,
  reconDir: string,
  outDir: string,
): Promise<WrittenVisual[]> {
  const rung = middleRung(clip.rungs);
  if (!rung) return [];
  const source = {
    path: join(reconDir, `${clip.name}.source.rgb`),
    width: clip.width,
    height: clip.height,
  };
  const candidate = {
    path: join(reconDir, `${clip.name}.q${rung.quality}.rgb`),
    width: clip.width,
    height: clip.height,
  };
  const frames = Math.floor((await stat(source.path)).size / frameBytes(source));
  const size = Math.min(REGION_SIZE, clip.width, clip.height);
  const scratch = await mkdtemp(join(tmpdir(), "codec-evolve-visual-"));
  try {
    const x265Rung = nearestRung(clip.baselines.x265?.rungs ?? [], rung.bitsPerPixel);
    let x265: { decoded: RawClip; label: string; figures: string } | null = null;
    if (x265Rung) {
      const y4m = /^Y4M (.+\.y4m)$/i.exec(clip.source ?? "")?.[1] ?? null;
      const { decoded, bytes } = await x265Reencode(
        { ...source, fps: clip.fps, frames, y4m },
        x265Rung.quality,
        scratch,
      );
      // The same stream as the measured rung gets the evaluator's figures; any other (an RGB
      // source converted by ffmpeg) is measured here, on the pictures shown, and says so.
      const same = bytes === x265Rung.bytes;
      const bpp = (bytes * 8) / (clip.width * clip.height * frames);
      x265 = {
        decoded,
        label: `x265 crf=${x265Rung.quality}${same ? "" : " (re-encoded)"}`,
        figures: same
          ? figures(x265Rung.bitsPerPixel, x265Rung.psnrRgb)
          : figures(bpp, await clipPsnrRgb(source, decoded, frames)),
      };
    }
    const regions: [WrittenVisual["kind"], Region][] = [
      ["worst", await worstRegion(source, candidate, frames, size)],
      ["fixed", centreRegion(clip.width, clip.height, frames, size)],
    ];
    const written: WrittenVisual[] = [];
    for (const [kind, region] of regions) {
      const panels = [
        {
          frame: await readFrame(source, region.frame),
          name: "source",
          figures: `${clip.width}x${clip.height}, frame ${region.frame}`,
        },
        {
          frame: await readFrame(candidate, region.frame),
          name: `candidate q${rung.quality}`,
          figures: figures(rung.bitsPerPixel, rung.psnrRgb),
        },
        ...(x265
          ? [
              {
                frame: await readFrame(x265.decoded, region.frame),
                name: x265.label,
                figures: x265.figures,
              },
            ]
          : []),
      ];
      const where = kind === "worst" ? "largest candidate error" : "fixed: centre";
      const title = `${clip.name}, frame ${region.frame}, ${region.size}px at (${region.x}, ${region.y}): ${where}`;
      const png = await composeVisual(panels, region, clip, title);
      const path = join(outDir, `visual-${safeFileName(clip.name)}-${kind}.png`);
      await writeFile(path, png);
      written.push({ clip: clip.name, kind, path, region });
    }
    return written;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The middle rung of the ladder by quality: a typical operating point. */
function middleRung(rungs: readonly Rung[]): Rung | null {
  const sorted = [...rungs].sort((a, b) => a.quality - b.quality);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

/** The rung whose bits per pixel is nearest `bpp` (on a log scale: rates are compared by ratio). */
export function nearestRung(rungs: readonly Rung[], bpp: number): Rung | null {
  let best: Rung | null = null;
  for (const rung of rungs) {
    if (!(rung.bitsPerPixel > 0)) continue;
    const distance = Math.abs(Math.log(rung.bitsPerPixel / bpp));
    if (!best || distance < Math.abs(Math.log(best.bitsPerPixel / bpp))) best = rung;
  }
  return best;
}

function figures(bpp: number, psnr: number): string {
  return `${bpp.toFixed(3)} bpp, ${Number.isFinite(psnr) ? `${psnr.toFixed(2)} dB` : "lossless"}`;
}
