/** Runs git in a repository, with an identity for commits when the user has none configured. */
import { execFile } from "node:child_process";

export class GitError extends Error {}

export interface GitOptions {
  cwd: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not errors (e.g. 1 for "not found"). */
  okCodes?: number[];
}

/** Run `git args` and return stdout; throws GitError with git's own message otherwise. */
export function runGit(
  args: readonly string[],
  options: GitOptions,
): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args as string[],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        maxBuffer: 256 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (error && !(options.okCodes ?? []).includes(code)) {
          reject(
            new GitError(
              `git ${args.join(" ")} failed in ${options.cwd}: ${(stderr || error.message).trim()}`,
            ),
          );
          return;
        }
        resolve({ stdout, code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
