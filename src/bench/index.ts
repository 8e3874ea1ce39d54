/**
 * `npm run bench`: throughput figures as ratios against ffmpeg, measured side
 * by side, the evaluator's memory and scaling, and the Action's evaluation
 * time with a cold and a warm baseline cache, the dashboard build time. Not a test.
 * `npm run bench -- memory` (or metrics, pipeline, action, action-starter, dashboard, paired) runs one part.
 */
import { benchDashboard } from "./dashboard-bench.js";
import { benchMemory } from "./memory-bench.js";
import { benchMetrics } from "./metrics-bench.js";
import { benchPipeline } from "./pipeline-bench.js";
import { benchAction, benchActionStarter } from "./action-bench.js";
import { benchPairedTiming } from "./paired-timing-bench.js";

const parts: Record<string, () => Promise<string>> = {
  metrics: benchMetrics,
  pipeline: benchPipeline,
  memory: benchMemory,
  action: benchAction,
  "action-starter": benchActionStarter,
  dashboard: () => benchDashboard(),
  paired: benchPairedTiming,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in parts));
if (unknown.length > 0) {
  throw new Error(
    `unknown bench part(s) ${unknown.join(", ")}; known: ${Object.keys(parts).join(", ")}`,
  );
}
for (const [i, name] of (chosen.length > 0 ? chosen : Object.keys(parts)).entries()) {
  if (i > 0) console.log();
  console.log(await parts[name]!());
}
