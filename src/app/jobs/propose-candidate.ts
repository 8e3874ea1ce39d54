/**
 * Propose → PR, on GitHub: the best codec from self-improved-framework, the
 * ledger from codec-evolve-data and the config from the default branch; the
 * prompt built by the core (recent records carry the candidates' check
 * results and failures); the proposer; edits applied in memory; syntax,
 * protected-path, framework and duplicate checks; then one commit on the
 * candidate branch through the Git Data API and the PR with labels, body and
 * meta block. A refused proposal is recorded in the ledger, so the next prompt
 * learns from it, and no PR is opened.
 */
import { posix } from "node:path";
import type { Config } from "../../config/schema.js";
import { parseAnswer } from "../../evolve/answer/parse-answer.js";
import { codeHash } from "../../evolve/code-hash.js";
import { applyEdits, type ChangedFile, type EditSummary } from "../../evolve/edits/apply-edits.js";
import { checkPythonSyntax, defaultPython } from "../../evolve/edits/check-python-syntax.js";
import type { AttemptFailure } from "../../evolve/edits/proposal-failure.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { currentBest } from "../../evolve/population/population.js";
import { buildPrompt } from "../../evolve/prompt/build-prompt.js";
import {
  loadSystemPromptTemplate,
  renderSystemPrompt,
} from "../../evolve/prompt/load-system-prompt.js";
import type { Proposer } from "../../evolve/proposers/proposer.js";
import { baseRecord } from "../../evolve/steps/propose.js";
import { buildFailureReport, renderFailureReport } from "../../evolve/report/failure-report.js";
import type { CandidateMeta } from "../../github/candidate-meta.js";
import {
  CandidateIdTaken,
  GitHubCandidateStore,
  type CandidatePull,
} from "../../github/candidate-store.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";
import { LABELS } from "../../github/names.js";
import { renderCandidateBody } from "../../github/pr-body.js";

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

/** Directory whose files count as "the codec": everything else is a framework change. */
export function codecDirectory(config: Config): string {
  const dir = posix.dirname(config.codec);
  return dir === "." ? "" : `${dir}/`;
}

/** True when every path is inside the codec's directory. */
export function onlyCodecPaths(paths: readonly string[], config: Config): boolean {
  const dir = codecDirectory(config);
  return paths.every((p) => (dir ? p.startsWith(dir) : p === config.codec));
}

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

/** Open one candidate PR for `trigger` (an idempotency key), or say why not. */
export async function proposeCandidate(
  deps: ProposeDeps,
  request: { trigger: string; focus: string | null },
): Promise<ProposeOutcome> {
  const { gh, repo, config } = deps;
  const store = new GitHubCandidateStore(gh, repo);
  const ledger = new GitHubLedgerStore(gh, repo);

  const pulls = await store.listCandidatePulls();
  const done = pulls.find((p) => p.meta?.trigger === request.trigger);
  if (done) return { kind: "already-opened", number: done.number };
  const limited = limitReason(pulls, config, deps.clock());
  if (limited) return { kind: "limited", reason: limited };

  const { tip } = await store.prepare();
  const parentSource = await store.readFile(tip, config.codec);
  if (parentSource === null) {
    throw new Error(
      `${config.codec} does not exist on self-improved-framework (${tip.slice(0, 10)}); set "codec" in .github/codec-evolve.yml`,
    );
  }
  let records = await ledger.records();
  if (!currentBest(records)) {
    await ledger.append(seedRecord(tip, codeHash(parentSource), deps.clock()));
    records = await ledger.records();
  }
  const best = currentBest(records)!;

  const knownHashes = new Set<string>();
  for (const r of records) if (r.codeHash) knownHashes.add(r.codeHash);
  for (const p of pulls) if (p.meta?.codeHash) knownHashes.add(p.meta.codeHash);

  const template = await loadSystemPromptTemplate(null, process.cwd());
  const report = buildFailureReport(
    records,
    config.evolve.failureWindow,
    config.sandbox.allowedImports,
  );
  const prompt = buildPrompt({
    system: renderSystemPrompt(template, {
      codecPath: config.codec,
      allowedImports: config.sandbox.allowedImports,
    }),
    codecPath: config.codec,
    parent: { record: best, source: parentSource, result: null },
    best,
    recent: records.filter((r) => r.generation > 0).slice(-config.evolve.historyInPrompt),
    failureReport: renderFailureReport(report),
    inspirations: [],
    focus: request.focus ?? config.evolve.focus,
    targetSavingPercent: config.adoption.minBitSavingPercent,
    maxChars: config.evolve.maxPromptChars,
  });
  const startedAt = deps.clock().toISOString();
  const proposal = await deps.proposer.propose({
    attempt: records.length + 1,
    seed: records.length + 1,
    codecPath: config.codec,
    parentSource,
    prompt,
    history: records
      .filter((r) => r.generation > 0)
      .map((r) => ({
        proposerKind: r.proposer.kind,
        evaluated: ["adopted", "rejected", "failed"].includes(r.status),
        improved: r.status === "adopted" || (r.metrics?.bdRateParent ?? 0) < 0,
      })),
    knownCodeHashes: knownHashes,
    budgetLeftUsd: null,
  });

  const id = nextCandidateId(records, pulls);
  // The same starting record as the CLI's propose step: status invalid until a check decides.
  const base = baseRecord(
    {
      id,
      runId: `github-${request.trigger}`,
      generation: 1,
      attempt: records.length + 1,
      parentId: best.id,
      comparedToVersion: best.version!, // currentBest only returns versioned records
      startedAt,
      proposerKind: deps.proposer.kind,
      proposal,
    },
    new Date(startedAt),
  );
  const refuse = async (failure: AttemptFailure): Promise<ProposeOutcome> => {
    base.status = failure.category === "duplicate" ? "duplicate" : "invalid";
    base.failure = failure;
    base.finishedAt = deps.clock().toISOString();
    await ledger.append(base);
    return { kind: "refused", candidate: id, reason: `${failure.category}: ${failure.message}` };
  };

  const parsed = parseAnswer(proposal.answerText);
  if (!parsed.ok)
    return refuse({
      category: "malformed-answer",
      message: parsed.message,
      line: null,
      stage: "parse",
    });
  base.hypothesis = parsed.answer.hypothesis;
  base.rationale = parsed.answer.rationale.slice(0, 2000);
  const applied = await applyEdits(parsed.answer.files, (path) => store.readFile(tip, path));
  if (!applied.ok) return refuse(applied.failure);
  base.edits = applied.summary;
  const framework = !onlyCodecPaths(
    applied.files.map((f) => f.path),
    config,
  );
  if (framework && !config.github.frameworkChanges) {
    const outside = applied.files.map((f) => f.path).filter((p) => !onlyCodecPaths([p], config));
    return refuse({
      category: "protected-path",
      message: `${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} outside ${codecDirectory(config) || config.codec}; framework changes are off (github.frameworkChanges: false)`,
      line: null,
      stage: "edit",
    });
  }
  const python = defaultPython(config.sandbox.python);
  for (const file of applied.files.filter((f) => f.path.endsWith(".py"))) {
    const failure = await checkPythonSyntax(file.path, file.after, python);
    if (failure) return refuse(failure);
  }
  const codecSource = applied.files.find((f) => f.path === config.codec)?.after ?? parentSource;
  base.codeHash = codeHash(codecSource);
  if (knownHashes.has(base.codeHash) && !framework) {
    const twin =
      records.find((r) => r.codeHash === base.codeHash)?.id ??
      pulls.find((p) => p.meta?.codeHash === base.codeHash)?.branch;
    return refuse({
      category: "duplicate",
      message: `the resulting ${config.codec} is identical to ${twin}'s; a PR is never opened twice for the same code`,
      line: null,
      stage: "edit",
    });
  }

  const meta: CandidateMeta = {
    candidate: id,
    parent: `v${best.version}`,
    parentSha: tip,
    parentId: best.id,
    kind: framework ? "framework" : "codec",
    codeHash: base.codeHash,
    proposer: base.proposer,
    usage: proposal.usage,
    hypothesis: base.hypothesis,
    rationale: base.rationale,
    edits: applied.summary,
    startedAt,
    trigger: request.trigger,
  };
  return openCandidatePr(store, meta, applied.files, records, pulls);
}

/** Commit and open the PR; a candidate id taken by another replica moves to the next free id. */
export async function openCandidatePr(
  store: GitHubCandidateStore,
  meta: CandidateMeta,
  files: readonly ChangedFile[],
  records: readonly LedgerRecord[],
  pulls: readonly CandidatePull[],
): Promise<ProposeOutcome> {
  let candidate = meta.candidate;
  for (let attempt = 0; ; attempt++) {
    try {
      const { branch } = await store.commitCandidate({
        id: candidate,
        parentCommit: meta.parentSha,
        files,
        message: candidateCommitMessage({ ...meta, candidate }, meta.edits),
      });
      const full = { ...meta, candidate };
      const pr = await store.openPullRequest({
        branch,
        title: prTitle(full),
        body: renderCandidateBody(full),
        labels: [LABELS.bot, meta.kind === "framework" ? LABELS.framework : LABELS.codec],
      });
      return {
        kind: "opened",
        candidate,
        number: pr.number,
        url: pr.url,
        framework: meta.kind === "framework",
      };
    } catch (error) {
      if (!(error instanceof CandidateIdTaken) || attempt >= 20) throw error;
      candidate = bumpId(candidate, records, pulls);
    }
  }
}

function prTitle(meta: CandidateMeta): string {
  if (meta.rollbackOf) return `codec-evolve: restore v${meta.rollbackOf}`;
  const hypothesis = meta.hypothesis.replace(/\s+/g, " ").trim();
  return `codec-evolve ${meta.candidate}: ${hypothesis.slice(0, 120) || "(no hypothesis)"}`;
}

function candidateCommitMessage(meta: CandidateMeta, edits: readonly EditSummary[]): string {
  const files = edits.map((e) => `${e.path} (+${e.linesAdded} -${e.linesRemoved})`).join(", ");
  return [
    prTitle(meta),
    "",
    `Parent: ${meta.parent} (${meta.parentId ?? "-"})`,
    `Proposer: ${meta.proposer.label}`,
    `Files: ${files}`,
    "",
  ].join("\n");
}

/** The next free id after everything in the ledger and every candidate PR. */
export function nextCandidateId(
  records: readonly LedgerRecord[],
  pulls: readonly CandidatePull[],
): string {
  const numbers = [
    ...records.map((r) => r.id),
    ...pulls.map((p) => p.meta?.candidate ?? p.branch.replace(/^codec-evolve\/candidate-/, "")),
  ].map((id) => Number(/^c(\d+)$/.exec(id)?.[1] ?? 0));
  return `c${String(Math.max(0, ...numbers) + 1).padStart(4, "0")}`;
}

function bumpId(
  id: string,
  records: readonly LedgerRecord[],
  pulls: readonly CandidatePull[],
): string {
  const next = Number(/^c(\d+)$/.exec(id)?.[1] ?? 0) + 1;
  const fromState = Number(/^c(\d+)$/.exec(nextCandidateId(records, pulls))?.[1] ?? 0);
  return `c${String(Math.max(next, fromState)).padStart(4, "0")}`;
}

/** The ledger's first record on GitHub: the codec on self-improved-framework as v1, not measured here. */
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
