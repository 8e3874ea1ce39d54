/** How main() reports a thrown value: the exit code, and whether the stack helps (only for bugs). */
import { ConfigError } from "../config/load-config.js";
import { ClipError } from "../evaluate/clips/clip-error.js";
import { ProgramNotFoundError } from "../evaluate/run-process.js";
import { LedgerLockedError } from "../evolve/ledger/ledger-lock.js";
import { ProposerError } from "../evolve/proposers/proposer.js";
import { RollbackError } from "../evolve/rollback.js";
import { GitError } from "../evolve/store/run-git.js";
import { NotInRepositoryError } from "../evolve/store/repository-root.js";
import { ShippedFileError } from "../package-files/shipped-file.js";
import { ProcessTimeoutError } from "../process/spawn-in-group.js";
import { EXIT, ExitError } from "./exit-error.js";

export interface ExitReport {
  code: number;
  /** One line (or a few) for stderr. */
  message: string;
}

const USAGE_ERRORS = [ConfigError, ClipError, RollbackError, NotInRepositoryError];
const ENVIRONMENT_ERRORS = [
  ProgramNotFoundError,
  ShippedFileError,
  ProcessTimeoutError,
  LedgerLockedError,
  GitError,
];

/** The exit code and message for anything a command throws (see EXIT). */
export function exitReportFor(error: unknown): ExitReport {
  if (error instanceof ExitError) return { code: error.code, message: error.message };
  if (error instanceof ProposerError) {
    return {
      code: error.reason === "config" ? EXIT.usage : EXIT.environment,
      message: `the proposer failed: ${error.message}\nNothing was lost; fix the cause and run the command again to resume.`,
    };
  }
  if (USAGE_ERRORS.some((kind) => error instanceof kind)) {
    return { code: EXIT.usage, message: (error as Error).message };
  }
  if (ENVIRONMENT_ERRORS.some((kind) => error instanceof kind)) {
    return { code: EXIT.environment, message: (error as Error).message };
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    code: EXIT.internal,
    message: `unexpected error (a bug in codec-evolve; please report it with this output)\n${detail}`,
  };
}
