/** `codec-evolve evolve`: run (or resume) generations of the evolution loop in this repository. */
import { randomInt } from "node:crypto";
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import { loadConfig } from "../../config/load-config.js";
import type { Config } from "../../config/schema.js";
import type { EvaluationEvent } from "../../evaluate/evaluator.js";
import {
  candidateEvaluator,
  evaluationKey,
  type EvaluationSettings,
} from "../../evolve/candidate-evaluator.js";
import { checkPythonSyntax, defaultPython } from "../../evolve/edits/check-python-syntax.js";
import type { LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { runEvolution, type EvolutionEvent, type EvolutionSummary } from "../../evolve/loop.js";
import { loadSystemPromptTemplate } from "../../evolve/prompt/load-system-prompt.js";
import { answersProposer } from "../../evolve/proposers/answers-proposer.js";
import { offlineProposer } from "../../evolve/proposers/offline-proposer.js";
import { openAiProposer } from "../../evolve/proposers/openai-proposer.js";
import { ProposerError, type Proposer } from "../../evolve/proposers/proposer.js";
import { renderAttemptsTable, tierReached } from "../../evolve/report/tables.js";
import { gitCandidateStore } from "../../evolve/store/git-candidate-store.js";
import { statePaths } from "../../evolve/state-paths.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import type { CliIo } from "../cli-io.js";
import { etaEstimator } from "../eta.js";
import { CLIP_FLAGS, CONFIG_FLAGS, EVOLVE_QUALITY_FLAG, SANDBOX_FLAGS } from "../common-flags.js";
import { EXIT, ExitError } from "../exit-error.js";
import { handleInterrupts } from "../interrupts.js";
import { defineCommand, flag } from "../flags.js";
import { sandboxOptions } from "../sandbox-options.js";
import { resolveClipSets } from "../resolve-clips.js";
import { signedPercent } from "../../format/signed-percent.js";

/** The evolve command's flags; its usage text is generated from them. */
export const EVOLVE = defineCommand({
  name: "evolve",
  args: "",
  positionals: { min: 0, max: 0 },
  description: `Runs generations of the evolution loop on the codec named by "codec" in the
config (default codec/evolved_codec.py). Candidates are commits on branches
codec-evolve/candidate-<id>; adopted ones become versions on the branch
self-improved-framework. Your working tree is never touched. Ctrl-C stops
after the current step; running the command again resumes the run.`,
  flags: {
    generations: flag.integer("N", "generations in this run (default: config evolve.generations)", {
      min: 1,
    }),
    proposer: flag.choice(
      "KIND",
      ["offline", "openai", "auto", "answers"],
      "offline | openai | auto | answers (default: config; auto = openai when the API key is set;\n" +
        "answers = written answers from --answers DIR)",
    ),
    answers: flag.string(
      "DIR",
      "with --proposer answers: answer files in the LLM answer format, one per generation,\n" +
        "in name order; the run stops when every file has been proposed",
    ),
    focus: flag.string("TEXT", 'a focus for the proposer, e.g. "motion search"'),
    seed: flag.integer(
      "N",
      "seed of parent choice, offline search and synthetic clips (default: random, printed)",
      { min: 0 },
    ),
    ...CLIP_FLAGS,
    quality: EVOLVE_QUALITY_FLAG,
    budget: flag.number(
      "USD",
      "stop the run once proposals cost this much (default: config proposer.budgetUsd)",
      { min: 0 },
    ),
    model: flag.string("NAME", "model for the openai proposer (default: config proposer.model)"),
    "base-url": flag.string("URL", "OpenAI-compatible endpoint (default: config proposer.baseUrl)"),
    stream: flag.boolean("stream answers (server-sent events)"),
    "new-run": flag.boolean("start a new run even if the last one was interrupted"),
    ...SANDBOX_FLAGS,
    ...CONFIG_FLAGS,
  },
});

/** Run the evolve command; returns the exit code. */
export async function evolveCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values } = EVOLVE.parse(argv);
  if (help) {
    io.stdout.write(`${EVOLVE.usage}\n`);
    return EXIT.ok;
  }
  const repoDir = await repositoryRoot(io.cwd);
  const { config, source } = await loadConfig(repoDir, values.config);

  // Every flag was checked by parse(), before any clip is read or any process started.
  const generations = values.generations ?? config.evolve.generations;
  const seed = values.seed ?? randomInt(2 ** 31);
  const budgetUsd = values.budget ?? config.proposer.budgetUsd;
  const proposerConfig = {
    ...config.proposer,
    ...(values.model ? { model: values.model } : {}),
    ...(values["base-url"] ? { baseUrl: values["base-url"] } : {}),
    ...(values.stream ? { stream: true } : {}),
  };
  const proposer = await chooseProposer(
    values.proposer ?? proposerConfig.kind,
    values.answers === undefined ? null : resolve(io.cwd, values.answers),
    { ...config, proposer: proposerConfig },
    { env: io.env, repoDir },
  );
  const sandbox = sandboxOptions(config.sandbox, values);
  const evaluation = config.evaluation;
  const qualities = values.quality ?? evaluation.qualities;
  const baselines = values.baseline ?? evaluation.baselines;
  const maxFrames = values["max-frames"] ?? evaluation.maxFrames ?? undefined;
  const systemPromptTemplate = await loadSystemPromptTemplate(
    config.proposer.promptTemplate,
    repoDir,
  );

  const { clips, heldOutClips } = await resolveClipSets(values, evaluation, {
    cwd: io.cwd,
    repoDir,
    maxFrames,
    seed,
  });

  const display = progressDisplay(io.stderr);
  const settings: EvaluationSettings = {
    clips,
    heldOutClips,
    qualities,
    baselines,
    codecParams: evaluation.codecParams,
    qualityFloorDb: evaluation.qualityFloorDb,
    sandbox,
    cacheDir: statePaths(repoDir).baselineCache,
    onEvent: display.onEvaluation,
  };

  io.stderr.write(`config: ${source}\n`);
  io.stderr.write(`proposer: ${proposer.label}\n`);
  io.stderr.write(`seed: ${seed} (rerun with --seed ${seed})\n`);
  io.stderr.write(
    `clips: ${clips.map((clip) => clip.name).join(", ")}${heldOutClips.length ? ` + ${heldOutClips.length} held-out` : ""}\n`,
  );

  const controller = new AbortController();
  const stopHandlingInterrupts = handleInterrupts({
    onFirst: () => {
      controller.abort();
      display.log(
        "stopping after the current step (Ctrl-C again to quit at once; run evolve again to resume)",
      );
    },
    beforeExit: () => display.stop(),
  });

  let summary: EvolutionSummary;
  try {
    summary = await runEvolution(
      {
        proposer,
        evaluate: candidateEvaluator(settings, config.adoption),
        store: gitCandidateStore({ repoDir, branch: config.evolve.branch }),
        clock: () => new Date(),
        checkSyntax: (path, text) =>
          checkPythonSyntax(path, text, defaultPython(values.python ?? config.sandbox.python)),
      },
      {
        repoDir,
        codecPath: config.codec,
        generations,
        seed,
        focus: values.focus ?? config.evolve.focus,
        adoption: config.adoption,
        evolve: config.evolve,
        budgetUsd,
        allowedImports: config.sandbox.allowedImports,
        systemPromptTemplate,
        evaluationKey: evaluationKey(settings),
        newRun: values["new-run"] ?? false,
        signal: controller.signal,
        onEvent: display.onEvolution,
      },
    );
  } finally {
    stopHandlingInterrupts();
    display.stop();
  }
  io.stdout.write(`${renderSummary(summary)}\n`);
  return EXIT.ok;
}

/** The proposer named by --proposer or the config; auto = openai when the key is set. */
async function chooseProposer(
  kind: string,
  answersDir: string | null,
  config: Config,
  { env, repoDir }: { env: NodeJS.ProcessEnv; repoDir: string },
): Promise<Proposer> {
  if (!["auto", "offline", "openai", "answers"].includes(kind)) {
    throw new ExitError(
      `--proposer: "${kind}" is not offline, openai, auto or answers`,
      EXIT.usage,
    );
  }
  if ((kind === "answers") !== (answersDir !== null)) {
    throw new ExitError(
      kind === "answers"
        ? "--proposer answers needs --answers DIR, the folder of answer files"
        : `--answers DIR goes with --proposer answers (the proposer is ${kind})`,
      EXIT.usage,
    );
  }
  if (answersDir !== null) {
    try {
      return await answersProposer({ dir: answersDir, repoDir });
    } catch (error) {
      if (error instanceof ProposerError) throw new ExitError(error.message, EXIT.usage);
      throw error;
    }
  }
  const key = env[config.proposer.apiKeyEnv];
  if (kind === "offline" || (kind === "auto" && !key)) return offlineProposer();
  if (!key) {
    throw new ExitError(
      `the openai proposer needs an API key in $${config.proposer.apiKeyEnv} (proposer.apiKeyEnv); for a local server without keys set it to any value`,
      EXIT.usage,
    );
  }
  return openAiProposer({ config: config.proposer, apiKey: key });
}

/** What was tried, what was adopted, where the best stands. */
export function renderSummary(summary: EvolutionSummary): string {
  const adopted = summary.attempts.filter((r) => r.status === "adopted");
  const lines = [
    "",
    renderAttemptsTable(summary.attempts),
    "",
    `${summary.resumed ? "resumed " : ""}run ${summary.runId}: ${summary.attempts.length} attempt(s), ${adopted.length} adopted, stopped by ${describeStop(summary)}, spend $${summary.spendUsd.toFixed(4)}`,
  ];
  for (const record of adopted) {
    lines.push(`  adopted v${record.version} (${record.id}): ${record.verdict?.reason ?? ""}`);
  }
  lines.push(`best: ${describeBest(summary.best)}`);
  const before = summary.startBest.metrics?.bdRateX265 ?? null;
  const after = summary.best.metrics?.bdRateX265 ?? null;
  if (summary.startBest.id !== summary.best.id && before !== null && after !== null) {
    lines.push(
      `this run: v${summary.startBest.version} -> v${summary.best.version}, BD-rate vs x265 ${signedPercent(before)} -> ${signedPercent(after)} (${(after - before).toFixed(2)} points)`,
    );
  }
  return lines.join("\n");
}

function describeBest(best: LedgerRecord): string {
  const m = best.metrics;
  if (!m) return `v${best.version} (${best.id})`;
  return `v${best.version} (${best.id}) ${m.meanMbps.toFixed(3)} Mbps, ${m.compressionRatio.toFixed(1)}x, PSNR-RGB ${m.meanPsnrRgb.toFixed(2)} dB, BD-rate vs x265 ${signedPercent(m.bdRateX265)}, tier ${tierReached(m.bdRateX265)}`;
}

function describeStop(summary: EvolutionSummary): string {
  switch (summary.stoppedBy) {
    case "generations":
      return "reaching the generation count";
    case "budget":
      return "the budget";
    case "exhausted":
      return `running out of proposals (${summary.stopDetail ?? "the proposer has none left"})`;
    case "interrupted":
      return "Ctrl-C (run evolve again to resume)";
  }
}

/** Progress: a bar with generation, best so far and spend on a terminal; plain lines elsewhere. */
function progressDisplay(stream: NodeJS.WritableStream): {
  onEvolution: (event: EvolutionEvent) => void;
  onEvaluation: (event: EvaluationEvent) => void;
  log: (line: string) => void;
  stop: () => void;
} {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const state = { generation: 0, target: 0, best: "-", spend: 0, step: "" };
  const toldUnavailable = new Set<string>();
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: stream as NodeJS.WriteStream,
          format: "generation {value}/{total} [{bar}] best {best} | spend ${spend} | {step}",
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let evaluationEta = etaEstimator();
  const refresh = () => {
    if (!bar) return;
    const payload = { best: state.best, spend: state.spend.toFixed(4), step: state.step };
    if (!started && state.target > 0) {
      bar.start(state.target, state.generation, payload);
      started = true;
    } else if (started) bar.update(state.generation, payload);
  };
  const log = (line: string) => {
    if (bar && started) {
      bar.stop();
      started = false;
      stream.write(`${line}\n`);
      refresh();
    } else stream.write(`${line}\n`);
  };
  return {
    log,
    onEvolution(event) {
      switch (event.type) {
        case "run-start":
          state.target = event.target;
          state.generation = event.done;
          if (event.tornLineMovedTo)
            log(`the ledger's last line was torn by a crash; moved to ${event.tornLineMovedTo}`);
          log(
            event.resumed
              ? `resuming ${event.runId}: ${event.done} of ${event.target} generation(s) done`
              : `run ${event.runId}: ${event.target} generation(s)`,
          );
          break;
        case "seed":
          log(event.message);
          break;
        case "generation-start":
          for (const gone of event.unavailable.filter((u) => !toldUnavailable.has(u.id))) {
            toldUnavailable.add(gone.id);
            log(
              `passed over ${gone.id}: its code is not in this repository (commit ${gone.commit.slice(0, 10)}; candidate branches are local, push them to keep them)`,
            );
          }
          state.step = `${event.id} from ${event.parentId} (${event.from}): proposing`;
          if (!bar)
            log(
              `generation ${event.generation}/${event.target}: ${event.id} from ${event.parentId} (${event.from})`,
            );
          break;
        case "evaluating":
          state.step = `${event.id}: evaluating`;
          break;
        case "attempt-done": {
          const r = event.record;
          state.generation = event.generation;
          state.spend = event.spendUsd;
          state.best = `v${event.best.version}${event.best.metrics?.bdRateX265 != null ? ` (${signedPercent(event.best.metrics.bdRateX265, 1)} vs x265)` : ""}`;
          const outcome =
            r.status === "adopted"
              ? `ADOPTED as v${r.version}`
              : r.status === "rejected"
                ? "rejected"
                : `${r.status} (${r.failure?.category})`;
          log(
            `  ${r.id}: ${outcome}${r.verdict ? ` — ${r.verdict.reason}` : r.failure ? ` — ${r.failure.message.split("\n")[0]}` : ""}`,
          );
          break;
        }
        case "stopped":
          state.step = `stopped (${event.reason})`;
          if (event.detail) log(`stopped: ${event.detail}`);
          break;
        default:
          break;
      }
      refresh();
    },
    onEvaluation(event) {
      // Each candidate's evaluation gets its own pace: the estimate restarts at its "start".
      if (event.type === "start") evaluationEta = etaEstimator();
      const remaining = "done" in event ? evaluationEta(event.done, event.total) : "";
      const suffix = remaining ? `, ${remaining}` : "";
      if (event.type === "rung-done") {
        state.step = `${event.codec} ${event.clip} q${event.quality} (${event.done}/${event.total}${suffix})`;
        refresh();
      } else if (event.type === "baseline-done") {
        state.step = `${event.baseline} ${event.clip} (${event.done}/${event.total}${suffix})`;
        refresh();
      }
    },
    stop: () => {
      if (bar && started) bar.stop();
      started = false;
    },
  };
}
