/**
 * Propose → PR, on GitHub, through the same propose step as the CLI
 * (src/evolve/steps/propose.ts) over the data-branch LedgerStore and the
 * pull-request CandidateStore: the ledger from codec-evolve-data, the code from
 * self-improved-framework and its candidates, the config from the default
 * branch. The App adds only what is GitHub's: the PR limits, the framework rule,
 * the code hashes of PRs the ledger does not know, and the seed record.
 *
 * A job is keyed by its trigger (run id `github-<trigger>`): the proposer's
 * answer is saved as a pending attempt before anything else, so a job that
 * crashed after the answer resumes from it instead of asking again, and a
 * job that already opened its PR finds it.
 */
import { createHash } from "node:crypto";
import type { Config } from "../../config/schema.js";
import { codeHash } from "../../evolve/code-hash.js";
import { checkPythonSyntax, defaultPython } from "../../evolve/edits/check-python-syntax.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { updateLedger, type LedgerState } from "../../evolve/ledger/ledger-store.js";
import type { PendingAttempt } from "../../evolve/ledger/pending-attempt.js";
import { currentBest } from "../../evolve/population/population.js";
import { loadSystemPromptTemplate } from "../../evolve/prompt/load-system-prompt.js";
import type { Proposer } from "../../evolve/proposers/proposer.js";
import {
  checkProposal,
  planProposal,
  requestProposal,
  type CheckOptions,
  type CheckOutcome,
  type ProposeSettings,
} from "../../evolve/steps/propose.js";
import {
  codecDirectory,
  GitHubCandidateStore,
  onlyCodecPaths,
  type CandidatePull,
} from "../../github/candidate-store.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";

export interface ProposeDeps {
  gh: GitHubClient;
  repo: RepoRef;
  config: Config;
  proposer: Proposer;
  clock: () => Date;
}

export type ProposeOutcome =
  | { kind: "opened"; candidate: string; number: number; url: string; framework: boolean }
  | { kind: "already-opened"; number: number }
  | { kind: "limited"; reason: string }
  | { kind: "refused"; candidate: string; reason: string };

/** Why no PR may be opened now under prHourlyLimit / prConcurrentLimit, or null. */
export function limitReason(
  pulls: readonly CandidatePull[],
  config: Config,
  now: Date,
): string | null {
  const { prHourlyLimit, prConcurrentLimit } = config.github;
  const open = pulls.filter((p) => p.state === "open").length;
  if (prConcurrentLimit > 0 && open >= prConcurrentLimit) {
    return `${open} candidate PR(s) are open, github.prConcurrentLimit is ${prConcurrentLimit}`;
  }
  const lastHour = pulls.filter((p) => now.getTime() - p.createdAt.getTime() < 3_600_000).length;
  if (prHourlyLimit > 0 && lastHour >= prHourlyLimit) {
    return `${lastHour} candidate PR(s) were opened in the last hour, github.prHourlyLimit is ${prHourlyLimit}`;
  }
  return null;
}

/** The run id of a trigger's attempt in the ledger (and the `trigger` of its PR's meta block). */
export function runIdOf(trigger: string): string {
  return `github-${trigger}`;
}

/** The propose step's settings from the repository's config; the seed is fixed per trigger. */
export async function proposeSettings(
  config: Config,
  focus: string | null,
  trigger: string,
): Promise<ProposeSettings> {
  return {
    codecPath: config.codec,
    adoption: config.adoption,
    evolve: config.evolve,
    allowedImports: config.sandbox.allowedImports,
    systemPromptTemplate: await loadSystemPromptTemplate(null, process.cwd()),
    focus: focus ?? config.evolve.focus,
    seed: createHash("sha256").update(trigger).digest().readUInt32BE(0),
  };
}

/** The App's rules on top of the core checks: framework paths, and PR code hashes the ledger lacks. */
export function checkOptions(
  config: Config,
  pulls: readonly CandidatePull[],
  candidateId: string,
): CheckOptions {
  // The attempt's own PR (opened before a crash) is not a duplicate of itself.
  const hashes = pulls
    .filter((p) => p.meta && p.meta.candidate !== candidateId && p.meta.codeHash)
    .map((p) => p.meta!.codeHash!);
  return {
    extraCodeHashes: new Set(hashes),
    classifyPaths: (paths) => {
      if (onlyCodecPaths(paths, config.codec)) return { framework: false };
      if (config.github.frameworkChanges) return { framework: true };
      const outside = paths.filter((p) => !onlyCodecPaths([p], config.codec));
      return {
        refuse: `${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} outside ${codecDirectory(config.codec) || config.codec}; framework changes are off (github.frameworkChanges: false)`,
      };
    },
  };
}

/** Open one candidate PR for `trigger` (an idempotency key), or say why not. */
export async function proposeCandidate(
  deps: ProposeDeps,
  request: { trigger: string; focus: string | null },
): Promise<ProposeOutcome> {
  const { gh, repo, config } = deps;
  const candidates = new GitHubCandidateStore(gh, repo, { codecPath: config.codec });
  const ledger = new GitHubLedgerStore(gh, repo);
  const runId = runIdOf(request.trigger);
  const settings = await proposeSettings(config, request.focus, request.trigger);
  const python = defaultPython(config.sandbox.python);
  const stepDeps = {
    ledger,
    candidates,
    clock: deps.clock,
    checkSyntax: (path: string, source: string) => checkPythonSyntax(path, source, python),
  };
  const check = async (pending: PendingAttempt, pulls: readonly CandidatePull[]) =>
    outcomeOf(
      await checkProposal(pending, stepDeps, settings, checkOptions(config, pulls, pending.id)),
      candidates,
    );

  const pulls = await candidates.listCandidatePulls();
  let state = await ledger.read();
  // The proposer answered before a crash: finish that attempt, do not ask again.
  const inFlight = state.pending.find((p) => p.runId === runId);
  if (inFlight) return check(inFlight, pulls);
  const recorded = state.records.find((r) => r.runId === runId);
  if (recorded) return recordedOutcome(recorded, pulls);
  const opened = pulls.find((p) => p.meta?.trigger === runId);
  if (opened) return { kind: "already-opened", number: opened.number };
  const limited = limitReason(pulls, config, deps.clock());
  if (limited) return { kind: "limited", reason: limited };

  const { tip } = await candidates.prepare();
  if (!currentBest(state.records))
    state = await seedLedger(ledger, candidates, config, tip, deps.clock());
  const plan = await planProposal(
    // Full evaluation results travel as workflow artifacts, not on the data branch.
    { state, resultOf: async () => null, budgetLeftUsd: null },
    candidates,
    settings,
  );
  const asked = await requestProposal(plan, { runId, generation: 1 }, { ...deps, ledger });
  if (!asked.ok) return { kind: "limited", reason: `the proposer stopped: ${asked.reason}` };
  return check(asked.pending, pulls);
}

async function outcomeOf(
  checked: CheckOutcome,
  candidates: GitHubCandidateStore,
): Promise<ProposeOutcome> {
  if (!checked.ok) return refusedOutcome(checked.record);
  const pull = await candidates.pullOf(checked.candidate.branch);
  if (!pull) throw new Error(`${checked.candidate.branch} has no pull request after it was opened`);
  return {
    kind: "opened",
    candidate: checked.candidate.id,
    number: pull.number,
    url: pull.url,
    framework: pull.meta?.kind === "framework",
  };
}

function refusedOutcome(record: LedgerRecord): ProposeOutcome {
  const reason = record.failure
    ? `${record.failure.category}: ${record.failure.message}`
    : (record.verdict?.reason ?? record.status);
  return { kind: "refused", candidate: record.id, reason };
}

/** A trigger whose attempt is already in the ledger (refused, or judged after its PR). */
function recordedOutcome(record: LedgerRecord, pulls: readonly CandidatePull[]): ProposeOutcome {
  const pull = pulls.find((p) => p.meta?.candidate === record.id);
  return pull ? { kind: "already-opened", number: pull.number } : refusedOutcome(record);
}

/** The ledger's first record on GitHub: the codec on self-improved-framework as v1, not measured here. */
async function seedLedger(
  ledger: GitHubLedgerStore,
  candidates: GitHubCandidateStore,
  config: Config,
  tip: string,
  now: Date,
): Promise<LedgerState> {
  const source = await candidates.readFile(tip, config.codec);
  if (source === null) {
    throw new Error(
      `${config.codec} does not exist on self-improved-framework (${tip.slice(0, 10)}); set "codec" in .github/codec-evolve.yml`,
    );
  }
  const seed = seedRecord(tip, codeHash(source), now);
  const { state } = await updateLedger(ledger, (s) =>
    currentBest(s.records) ? null : { change: { append: [seed] }, value: true },
  );
  return state;
}

/** The seed record: the codec at `tip` as v1 (c0000). */
export function seedRecord(tip: string, sourceHash: string, now: Date): LedgerRecord {
  const at = now.toISOString();
  return {
    schema: LEDGER_SCHEMA,
    id: "c0000",
    parentId: null,
    comparedToVersion: null,
    version: 1,
    status: "seed",
    runId: "github-seed",
    generation: 0,
    proposer: { kind: "seed", label: "starting codec", model: null },
    hypothesis: "",
    rationale: "",
    edits: [],
    codeHash: sourceHash,
    commit: tip,
    branch: null,
    versionCommit: tip,
    failure: null,
    verdict: null,
    metrics: null,
    usage: null,
    startedAt: at,
    finishedAt: at,
  };
}
