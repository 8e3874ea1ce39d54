/**
 * A second Ctrl-C ends the CLI at once but first kills every child process
 * group, so nothing is left running detached. Run in a real node process over
 * tsc's output, with real signals.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileSrc } from "../../fixtures/processes/compile-src.js";
import { alive, allGone } from "../../fixtures/processes/process-state.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ce-interrupt-"));
  expect(
    compileSrc(["src/cli/interrupts.ts", "src/process/spawn-in-group.ts"], join(dir, "out")),
  ).toBe("");
  writeFileSync(
    join(dir, "out/driver.js"),
    [
      'import { handleInterrupts } from "./cli/interrupts.js";',
      'import { spawnInGroup } from "./process/spawn-in-group.js";',
      'handleInterrupts({ onFirst: () => console.log("first") });',
      'const a = spawnInGroup("sleep", ["300"], { timeoutSeconds: null });',
      'const b = spawnInGroup("sh", ["-c", "sleep 300 & echo $!; wait"], { timeoutSeconds: null });',
      'b.child.stdout.once("data", (d) => console.log(`pids ${a.child.pid} ${String(d).trim()}`));',
      "setInterval(() => {}, 1000);",
    ].join("\n"),
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the first Ctrl-C asks to stop; the second kills every child group and exits 130", async () => {
  const cli = spawn(process.execPath, [join(dir, "out/driver.js")], { stdio: "pipe" });
  let out = "";
  const next = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const match = pattern.exec(out);
        if (match) resolve(match);
        else cli.stdout.once("data", (d) => ((out += d), check()));
      };
      check();
    });
  const pids = (await next(/pids (\d+) (\d+)/)).slice(1).map(Number);
  expect(pids.every(alive)).toBe(true);
  cli.kill("SIGINT");
  await next(/first/);
  expect(pids.every(alive)).toBe(true);
  const exited = new Promise<number | null>((resolve) => cli.once("exit", resolve));
  cli.kill("SIGINT");
  expect(await exited).toBe(130);
  expect(await allGone(pids)).toBe(true);
}, 30_000);
