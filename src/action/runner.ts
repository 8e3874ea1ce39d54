/**
 * The Action's runner (release-drafter's shape): read the inputs, run one
 * mode, set the outputs; every thrown value, Error or not, fails the step with
 * a message a person can act on.
 */
import * as core from "@actions/core";
import { evaluateMain } from "./evaluate-main.js";
import { readInputs } from "./inputs.js";
import { reportMain } from "./report-main.js";
import { planMain } from "./plan-main.js";
import { resolveMain } from "./resolve-main.js";
import { uploadResults } from "./upload-results.js";
import type { EvaluationResult } from "../evaluate/results.js";

/** Format a BD-rate output: two decimals, or "" when undefined. */
function bdOutput(result: EvaluationResult | undefined, name: string): string {
  const value = result?.summary?.bdRate[name];
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(2) : "";
}

/** Run the Action; resolves after the outputs are set or the step is marked failed. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    if (inputs.mode === "resolve") {
      const target = await resolveMain(inputs);
      core.setOutput("pull-request", String(target.pullRequest));
      core.setOutput("base-sha", target.baseSha);
      core.setOutput("head-sha", target.headSha);
      core.setOutput("head-repository", target.headRepository);
    } else if (inputs.mode === "plan") {
      const plan = await planMain(inputs);
      core.setOutput("shards", String(plan.shards));
      core.setOutput("list", JSON.stringify(plan.list));
    } else if (inputs.mode === "evaluate" && inputs.shard) {
      const outcome = await evaluateMain(inputs, uploadResults);
      core.setOutput("results-path", outcome.resultsPath);
    } else if (inputs.mode === "evaluate") {
      const outcome = await evaluateMain(inputs, uploadResults);
      const kind =
        outcome.result.status === "ok"
          ? outcome.result.verdict?.adopt
            ? "adopt"
            : "reject"
          : "failed";
      core.setOutput("verdict", kind);
      core.setOutput("bd-rate-parent", bdOutput(outcome.result, "parent"));
      core.setOutput("bd-rate-x265", bdOutput(outcome.result, "x265"));
      core.setOutput("results-path", outcome.resultsPath);
    } else {
      const outcome = await reportMain(inputs);
      core.setOutput("verdict", outcome.verdict);
      core.setOutput("trusted", String(outcome.trusted));
      core.setOutput("check-run-id", outcome.checkRunId === null ? "" : String(outcome.checkRunId));
      core.setOutput("bd-rate-parent", bdOutput(outcome.results?.results, "parent"));
      core.setOutput("bd-rate-x265", bdOutput(outcome.results?.results, "x265"));
      core.setOutput("results-path", inputs["results-path"] ?? "");
    }
  } catch (error) {
    const message =
      error instanceof Error
        ? error.name === "Error"
          ? error.message
          : `${error.name}: ${error.message}`
        : String(error);
    if (error instanceof Error && error.stack) core.debug(error.stack);
    core.setFailed(message);
  }
}
