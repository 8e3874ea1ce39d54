/**
 * A second Ctrl-C ends the CLI at once but first kills every child process
 * group, so nothing is left running detached. Run in a real node process over
 * tsc's output, with real signals.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const root = new URL("../../../", import.meta.url).pathname;

function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ce-interrupt-"));
  const compiled = spawnSync(
    process.execPath,
    [
      tsc,
      "--outDir",
      join(dir, "out"),
      "--rootDir",
      join(root, "src"),
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--strict",
      "--skipLibCheck",
      "--types",
      "node",
      join(root, "src/cli/interrupts.ts"),
      join(root, "src/process/spawn-in-group.ts"),
    ],
    { encoding: "utf8" },
  );
  expect(compiled.stdout + compiled.stderr).toBe("");
  writeFileSync(join(dir, "out/package.json"), '{ "type": "module" }');
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
  for (const end = Date.now() + 3000; Date.now() < end && pids.some(alive);) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(pids.filter(alive)).toEqual([]);
}, 30_000);
