/**
 * Check-run annotations for an evaluation: the failure at the codec's line,
 * and per clip a warning where the candidate needs more bits than its parent
 * or where a BD-rate is undefined. Messages are plain text (GitHub shows them
 * unrendered) but bounded; the total is capped so a result with many clips
 * cannot turn into thousands of requests.
 */
import type { EvaluationResult } from "../evaluate/results.js";
import type { Annotation } from "./check-run.js";

/** Most annotations posted for one evaluation (pages of 50). */
export const MAX_ANNOTATIONS = 500;

const bounded = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}…` : text;

/** Annotations on `codecPath` (a repository path) for this result. */
export function annotationsFor(result: EvaluationResult, codecPath: string): Annotation[] {
  const out: Annotation[] = [];
  const f = result.failure;
  if (f) {
    const line = f.line ?? 1;
    const where = [f.stage, f.clip, f.quality !== undefined ? `quality ${f.quality}` : null]
      .filter(Boolean)
      .join(", ");
    out.push({
      path: codecPath,
      start_line: line,
      end_line: line,
      annotation_level: "failure",
      title: bounded(`codec failed: ${f.category}${f.line ? "" : " (line unknown)"}`, 200),
      message: bounded(
        `${f.message}${where ? ` (${where})` : ""}${f.traceback ? `\n\n${f.traceback}` : ""}`,
        4000,
      ),
    });
  }
  for (const clip of result.clips) {
    for (const [ref, value] of Object.entries(clip.bdRate)) {
      if (value === null) {
        out.push({
          path: codecPath,
          start_line: 1,
          end_line: 1,
          annotation_level: "warning",
          title: bounded(`BD-rate vs ${ref} undefined on ${clip.name}`, 200),
          message: bounded(clip.bdRateNotes?.[ref] ?? "the curves cannot be compared", 1000),
        });
      } else if (ref === "parent" && value > 0) {
        out.push({
          path: codecPath,
          start_line: 1,
          end_line: 1,
          annotation_level: "warning",
          title: bounded(`more bits than the parent on ${clip.name}`, 200),
          message: `BD-rate vs parent ${value >= 0 ? "+" : ""}${value.toFixed(2)}% (PSNR-RGB) on clip ${bounded(clip.name, 128)}.`,
        });
      }
    }
  }
  return out.slice(0, MAX_ANNOTATIONS);
}
