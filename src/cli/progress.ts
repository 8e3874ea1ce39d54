/** Renders evaluation progress events as a bar on a terminal, or as nothing elsewhere. */
import cliProgress from "cli-progress";
import type { EvaluationEvent } from "../evaluate/evaluator.js";
import { etaEstimator } from "./eta.js";

/** A progress renderer for `stream`; call `stop()` before printing results. */
export function progressRenderer(stream: NodeJS.WritableStream): {
  onEvent: (event: EvaluationEvent) => void;
  stop: () => void;
} {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  if (!tty) return { onEvent: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: "evaluating [{bar}] {value}/{total} {eta} | {step}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const eta = etaEstimator();
  return {
    onEvent(event) {
      if (event.type === "start") bar.start(event.total, 0, { step: "", eta: eta(0, event.total) });
      else if (event.type === "rung-done")
        bar.update(event.done, {
          step: `${event.codec} ${event.clip} q${event.quality}`,
          eta: eta(event.done, event.total),
        });
      else if (event.type === "baseline-done")
        bar.update(event.done, {
          step: `${event.baseline} ${event.clip}`,
          eta: eta(event.done, event.total),
        });
    },
    stop: () => bar.stop(),
  };
}
