/**
 * `npm run bench`: throughput figures as ratios against ffmpeg, measured side
 * by side, and the evaluator's memory and scaling. Not a test.
 * `npm run bench -- memory` (or metrics, pipeline) runs one part.
 */
import { benchMemory } from "./memory-bench.js";
import { benchMetrics } from "./metrics-bench.js";
import { benchPipeline } from "./pipeline-bench.js";

const parts: Record<string, () => Promise<string>> = {
  metrics: benchMetrics,
  pipeline: benchPipeline,
  memory: benchMemory,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in parts));
if (unknown.length > 0) {
  throw new Error(`unknown bench part(s) ${unknown.join(", ")}; known: ${Object.keys(parts).join(", ")}`);
}
for (const [i, name] of (chosen.length > 0 ? chosen : Object.keys(parts)).entries()) {
  if (i > 0) console.log();
  console.log(await parts[name]!());
}
