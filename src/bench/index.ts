/** `npm run bench`: throughput figures as ratios against ffmpeg, measured side by side. Not a test. */
import { benchMetrics } from "./metrics-bench.js";
import { benchPipeline } from "./pipeline-bench.js";

console.log(await benchMetrics());
console.log();
console.log(await benchPipeline());
