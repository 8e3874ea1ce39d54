/**
 * The offline proposer: a seeded (1+1) evolution strategy over the codec's
 * tunables block, not an LLM. It mutates one to three values within their
 * declared ranges with a Gaussian step whose size follows the 1/5th success
 * rule over earlier offline attempts, and writes its change as an ordinary
 * SEARCH/REPLACE answer so edits, evaluation and ledger are shared.
 */
import { codeHash } from "../code-hash.js";
import { seededRandom, type Random } from "../population/seeded-random.js";
import {
  formatTunableValue,
  parseTunables,
  renderTunableLine,
  type Tunable,
} from "../tunables/parse-tunables.js";
import {
  ProposerError,
  type AttemptOutcome,
  type Proposal,
  type ProposalContext,
  type Proposer,
} from "./proposer.js";

export const OFFLINE_LABEL = "offline parameter search (not an LLM)";

/** Step size as a fraction of each tunable's range, before adaptation. */
const INITIAL_STEP = 0.15;
const MIN_STEP = 0.01;
const MAX_STEP = 0.5;
/** 1/5th rule: grow on success, shrink on failure so that one success in five keeps it level. */
const GROW = 1.5;
const SHRINK = Math.pow(GROW, -1 / 4);
const MAX_TRIES = 50;

/** The relative step size after the given history of offline attempts. */
export function adaptedStep(history: readonly AttemptOutcome[]): number {
  let step = INITIAL_STEP;
  for (const outcome of history) {
    if (outcome.proposerKind !== "offline" || !outcome.evaluated) continue;
    step = Math.min(MAX_STEP, Math.max(MIN_STEP, step * (outcome.improved ? GROW : SHRINK)));
  }
  return step;
}

/** The offline parameter-search proposer. */
export function offlineProposer(): Proposer {
  return {
    kind: "offline",
    label: OFFLINE_LABEL,
    async propose(context: ProposalContext): Promise<Proposal> {
      return {
        answerText: mutateTunables(context),
        usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
        model: null,
        label: OFFLINE_LABEL,
      };
    },
  };
}

/** The answer text of one seeded mutation of the parent's tunables. */
export function mutateTunables(context: ProposalContext): string {
  let block;
  try {
    block = parseTunables(context.parentSource);
  } catch (error) {
    throw new ProposerError(`${context.codecPath}: ${(error as Error).message}`, "config");
  }
  if (!block || block.tunables.length === 0) {
    throw new ProposerError(
      `${context.codecPath} has no tunables block ("# --- tunables: begin ---" ... "# --- tunables: end ---" with NAME = value  # range LO..HI lines), so the offline parameter search has nothing to vary; add one or use --proposer openai`,
      "config",
    );
  }
  const lines = context.parentSource.split("\n");
  const step = adaptedStep(context.history);
  const evaluatedOffline = context.history.filter(
    (h) => h.proposerKind === "offline" && h.evaluated,
  );
  const improvements = evaluatedOffline.filter((h) => h.improved).length;

  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const rng = seededRandom(context.seed, context.attempt, attempt);
    const changes = mutate(block.tunables, step * (1 + attempt / 10), rng);
    const newLines = [...lines];
    for (const { tunable, value } of changes)
      newLines[tunable.lineIndex] = renderTunableLine(tunable, value);
    if (context.knownCodeHashes.has(codeHash(newLines.join("\n")))) continue;

    const search = lines.slice(block.beginLine, block.endLine + 1).join("\n");
    const replace = newLines.slice(block.beginLine, block.endLine + 1).join("\n");
    const described = changes
      .map(
        ({ tunable, value }) =>
          `${tunable.name} ${formatTunableValue(tunable, tunable.value)} -> ${formatTunableValue(tunable, value)}`,
      )
      .join(", ");
    return [
      `HYPOTHESIS: ${OFFLINE_LABEL}: ${described}`,
      "RATIONALE:",
      `Seeded (1+1) evolution strategy over the tunables block (seed ${context.seed}, attempt ${context.attempt}).`,
      `Step size ${(step * 100).toFixed(1)}% of each range, adapted by the 1/5th success rule over ${evaluatedOffline.length} earlier evaluated offline attempt(s), ${improvements} of which beat their parent.`,
      `FILE: ${context.codecPath}`,
      "<<<<<<< SEARCH",
      search,
      "=======",
      replace,
      ">>>>>>> REPLACE",
      "",
    ].join("\n");
  }
  throw new ProposerError(
    `the offline parameter search found no unevaluated setting in ${MAX_TRIES} tries: the tunables' ranges are exhausted around the current best`,
    "other",
  );
}

/** Change one to three tunables by a Gaussian step within their ranges; every change moves the value. */
function mutate(
  tunables: readonly Tunable[],
  step: number,
  rng: Random,
): Array<{ tunable: Tunable; value: number }> {
  const roll = rng.next();
  const count = Math.min(tunables.length, roll < 0.5 ? 1 : roll < 0.8 ? 2 : 3);
  const pool = [...tunables];
  const chosen: Tunable[] = [];
  while (chosen.length < count) chosen.push(pool.splice(rng.int(pool.length), 1)[0]!);
  chosen.sort((a, b) => a.lineIndex - b.lineIndex);
  return chosen.map((tunable) => {
    const span = tunable.hi - tunable.lo;
    const resolution = tunable.integer ? 1 : Math.pow(10, -tunable.decimals);
    let value = reflect(tunable.value + rng.normal() * step * span, tunable.lo, tunable.hi);
    value = roundTo(value, resolution);
    if (formatTunableValue(tunable, value) === formatTunableValue(tunable, tunable.value)) {
      // Rounding undid the step: move one resolution unit, inward at a bound.
      const up =
        tunable.value + resolution <= tunable.hi &&
        (rng.next() < 0.5 || tunable.value - resolution < tunable.lo);
      value = roundTo(tunable.value + (up ? resolution : -resolution), resolution);
    }
    return { tunable, value: clamp(value, tunable.lo, tunable.hi) };
  });
}

/** Mirror a step that leaves the range back into it: clamping would pile values up on the bounds. */
function reflect(value: number, lo: number, hi: number): number {
  for (let i = 0; i < 4 && (value < lo || value > hi); i++) {
    value = value < lo ? 2 * lo - value : 2 * hi - value;
  }
  return clamp(value, lo, hi);
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function roundTo(value: number, resolution: number): number {
  return Math.round(value / resolution) * resolution;
}
