/**
 * Deadlines kill the work, not just the waiting: ffmpeg's runner, git and the
 * Python syntax check end their whole process group, grandchildren included.
 * Real processes throughout.
 */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../../src/evaluate/run-process.js";
import { checkPythonSyntax } from "../../../src/evolve/edits/check-python-syntax.js";
import { runGit } from "../../../src/evolve/store/run-git.js";
import { ProcessTimeoutError } from "../../../src/process/spawn-in-group.js";
import { allGone } from "../../fixtures/processes/process-state.js";

async function waitForPid(file: string): Promise<number> {
  for (const end = Date.now() + 5000; Date.now() < end;) {
    const text = existsSync(file) ? (await readFile(file, "utf8")).trim() : "";
    if (/^\d+$/.test(text)) return Number(text);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no pid in ${file}`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ce-timeouts-"));
});

describe("deadlines kill the process group", () => {
  it("runProcess (ffmpeg's runner) rejects past its deadline and kills the grandchild too", async () => {
    const pidFile = join(dir, "ffmpeg-grandchild");
    const started = Date.now();
    await expect(
      runProcess("sh", ["-c", `sleep 300 & echo $! > ${pidFile}; wait`], { timeoutSeconds: 0.5 }),
    ).rejects.toThrow(ProcessTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await allGone([await waitForPid(pidFile)])).toBe(true);
  });

  it("runProcess still resolves a program that ends in time", async () => {
    const result = await runProcess("sh", ["-c", "echo ok"], {
      captureStdout: true,
      timeoutSeconds: 10,
    });
    expect(result.stdout.toString()).toBe("ok\n");
    expect(result.code).toBe(0);
  });

  it("runGit throws a GitError past its deadline and kills what git started", async () => {
    const pidFile = join(dir, "git-child");
    await runGit(["init", "-q", dir], { cwd: dir });
    await expect(
      runGit(["-c", `alias.hang=!sh -c 'echo $$ > ${pidFile}; exec sleep 300'`, "hang"], {
        cwd: dir,
        timeoutSeconds: 0.5,
      }),
    ).rejects.toThrow(/ran longer than 0.5 s and was killed/);
    expect(await allGone([await waitForPid(pidFile)])).toBe(true);
  });

  it("the Python syntax check fails with a clear message when the interpreter hangs", async () => {
    const pidFile = join(dir, "python-child");
    const fakePython = join(dir, "hung-python");
    await writeFile(fakePython, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 300\n`);
    await chmod(fakePython, 0o755);
    await expect(checkPythonSyntax("codec.py", "x = 1\n", fakePython, 0.5)).rejects.toThrow(
      /syntax check .* ran longer than 0.5 s and was killed/,
    );
    expect(await allGone([await waitForPid(pidFile)])).toBe(true);
  });
});
