/**
 * The answers proposer: answers in the LLM answer format (DESIGN.md), read
 * from files, one per generation, in name order. A human pastes them from any
 * chat UI, or a run is replayed. Everything downstream (parsing, edits,
 * checks, evaluation, adoption) is the same as for a model's answer; only the
 * ledger's proposer says `answers` and names the file, so a written proposal
 * is never taken for a generated one.
 *
 * Which file comes next is read from the ledger (each record names its file),
 * not kept in memory, so an interrupted run resumes with the right file and a
 * file is never proposed twice. To try an edited answer again, give it a new name.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { ProposerError, type Proposal, type ProposalContext, type Proposer } from "./proposer.js";

export interface AnswersProposerOptions {
  /** The folder of answer files. */
  dir: string;
  /** Names in the ledger are relative to this folder (the repository root) when the files are inside it. */
  repoDir: string;
}

/** Answer files are plain files whose name does not start with "." or end in "~". */
const IGNORED = /^\.|~$/;

/** The answer files of `dir`, as names relative to `repoDir` (or absolute), in name order. */
export async function listAnswerFiles(options: AnswersProposerOptions): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(options.dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProposerError(
      code === "ENOENT"
        ? `--answers: ${options.dir} does not exist; give a folder of answer files (one answer per file, used in name order)`
        : `--answers: cannot read ${options.dir}: ${(error as Error).message}`,
      "config",
    );
  }
  const files: string[] = [];
  // Code-point order, not locale order: the same on every machine. Number files 01-, 02-, … to order them.
  for (const name of names.filter((n) => !IGNORED.test(n)).sort()) {
    const path = join(options.dir, name);
    if ((await stat(path)).isFile()) files.push(sourceName(path, options.repoDir));
  }
  return files;
}

/** A proposer that hands out the next unused answer file; throws ProposerError "exhausted" when none is left. */
export async function answersProposer(options: AnswersProposerOptions): Promise<Proposer> {
  const files = await listAnswerFiles(options);
  if (files.length === 0) {
    throw new ProposerError(
      `--answers: ${options.dir} holds no answer file; put one answer per file there (see "The LLM answer format" in the README)`,
      "config",
    );
  }
  const where = sourceName(options.dir, options.repoDir);
  return {
    kind: "answers",
    label: `answers from ${where} (written, not generated)`,
    async propose(context: ProposalContext): Promise<Proposal> {
      const used = new Set(context.history.map((h) => h.source).filter((s) => s !== undefined));
      // Listed again each time: files added during a run are used too, in name order.
      const next = (await listAnswerFiles(options)).find((file) => !used.has(file));
      if (next === undefined) {
        throw new ProposerError(
          `every answer file in ${where} has been proposed (${used.size} in the ledger); add new files, or run evolve with another proposer`,
          "exhausted",
        );
      }
      const answerText = await readFile(
        isAbsolute(next) ? next : join(options.repoDir, next),
        "utf8",
      );
      return {
        answerText,
        usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
        model: null,
        label: `answer file ${next}`,
        source: next,
      };
    },
  };
}

/** `path` relative to the repository when inside it (with "/" separators), else absolute. */
function sourceName(path: string, repoDir: string): string {
  const absolute = resolve(path);
  const rel = relative(resolve(repoDir), absolute);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return absolute;
  return rel.split(sep).join("/");
}
