/**
 * What every proposer does: given the state of the search, return an answer
 * in the LLM answer format, with what it cost. The LLM and the offline
 * parameter search share everything downstream of this interface.
 */
import type { PromptMessages } from "../prompt/prompt-messages.js";

export interface ProposalUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** True when the endpoint reported no usage and tokens were estimated from text length. */
  estimated?: boolean;
}

export interface Proposal {
  answerText: string;
  usage: ProposalUsage;
  /** The model that answered, or null for the offline search. */
  model: string | null;
  /** Shown in every report and ledger record, e.g. "openai gpt-4o-mini". */
  label: string;
  /** Where a written answer came from (the answers proposer's file name); absent for generated ones. */
  source?: string;
}

/** One earlier attempt, as much as a proposer needs to adapt (newest last). */
export interface AttemptOutcome {
  proposerKind: string;
  /** True when the candidate was evaluated and beat its comparison parent at all. */
  improved: boolean;
  evaluated: boolean;
  /** The answer file it came from (answers proposer), as recorded in the ledger. */
  source?: string;
}

export interface ProposalContext {
  /** Global attempt number (1-based) of the proposal being asked for. */
  attempt: number;
  seed: number;
  /** Repository-relative path of the codec being evolved, and its source in the chosen parent. */
  codecPath: string;
  parentSource: string;
  prompt: PromptMessages;
  history: readonly AttemptOutcome[];
  /** sha256 of every codec source already evaluated or refused as a duplicate. */
  knownCodeHashes: ReadonlySet<string>;
  /** USD left in this run's budget, null when unlimited. */
  budgetLeftUsd: number | null;
}

/** Who proposes: an LLM, the offline parameter search, or answers written in files (a human, a replay). */
export type ProposerKind = "openai" | "offline" | "answers";

export interface Proposer {
  kind: ProposerKind;
  label: string;
  propose(context: ProposalContext): Promise<Proposal>;
}

/** A proposer that cannot go on (bad key, unknown model, endpoint down after retries). */
export class ProposerError extends Error {
  constructor(
    message: string,
    readonly reason:
      | "auth"
      | "not-found"
      | "timeout"
      | "rate-limit"
      | "server"
      | "config"
      | "budget"
      /** No proposal left to give (the answers proposer ran out of files): the run stops cleanly. */
      | "exhausted"
      | "other",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProposerError";
  }
}
