/** Runs git in a repository and returns its output; git's own message on failure. */
import { spawnInGroup } from "../../process/spawn-in-group.js";

export class GitError extends Error {}

export interface GitOptions {
  cwd: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not errors (e.g. 1 for "not found"). */
  okCodes?: number[];
  /** Wall-clock limit; past it git's process group is killed and GitError thrown. Default GIT_SECONDS. */
  timeoutSeconds?: number;
}

/** Deadline of one git command: local plumbing takes well under a second; a hung hook or credential prompt must not hold the loop. */
export const GIT_SECONDS = 300;

/** Run `git args` and return stdout; throws GitError with git's own message otherwise. */
export function runGit(
  args: readonly string[],
  options: GitOptions,
): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const timeoutSeconds = options.timeoutSeconds ?? GIT_SECONDS;
    // Own process group: a Ctrl-C at the terminal stops the loop after its step, not git mid-write.
    const { child, timedOut } = spawnInGroup("git", args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      timeoutSeconds,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) =>
      reject(new GitError(`cannot run git (is it installed?): ${error.message}`)),
    );
    child.on("close", (code) => {
      if (timedOut()) {
        reject(
          new GitError(
            `git ${args.join(" ")} in ${options.cwd} ran longer than ${timeoutSeconds} s and was killed (with every process it started)`,
          ),
        );
        return;
      }
      const exit = code ?? -1;
      if (exit !== 0 && !(options.okCodes ?? []).includes(exit)) {
        const message = Buffer.concat(stderr).toString("utf8").trim() || `exit code ${exit}`;
        reject(new GitError(`git ${args.join(" ")} failed in ${options.cwd}: ${message}`));
        return;
      }
      resolve({ stdout: Buffer.concat(stdout).toString("utf8"), code: exit });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}
