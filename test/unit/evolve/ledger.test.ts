import { mkdtemp, readFile, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import {
  appendLedgerRecord,
  LedgerError,
  readLedger,
  repairTornTail,
} from "../../../src/evolve/ledger/ledger-file.js";
import { acquireLedgerLock, LedgerLockedError } from "../../../src/evolve/ledger/ledger-lock.js";
import { isProcessAlive, processState } from "../../../src/evolve/ledger/process-alive.js";
import { summarizeMetrics } from "../../../src/evolve/ledger/summarize-metrics.js";
import { fakeRecord } from "./fake-record.js";
import { fakeResult } from "./fake-result.js";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ledger-test-"));
}

describe("ledger file", () => {
  it("appends one JSON line per record and reads them back in order", async () => {
    const path = join(await tempDir(), "sub", "ledger.jsonl");
    const a = fakeRecord({ id: "c0001" });
    const b = fakeRecord({ id: "c0002" });
    await appendLedgerRecord(path, a);
    await appendLedgerRecord(path, b);
    const text = await readFile(path, "utf8");
    expect(text.split("\n")).toHaveLength(3);
    expect((await readLedger(path)).records.map((r) => r.id)).toEqual(["c0001", "c0002"]);
  });

  it("keeps the side-by-side speed the verdict judged, through a write and a read", async () => {
    const path = join(await tempDir(), "ledger.jsonl");
    const result = fakeResult([{ name: "a", bdParent: -1 }]);
    result.pairedTiming = {
      status: "ok",
      clip: "a",
      qualities: [20, 50, 80],
      frames: 60,
      chunks: 30,
      parentCpuSeconds: 10.2,
      candidateCpuSeconds: 5.6,
      speedup: 1.82,
      chunkSpeedups: { min: 1.13, median: 1.6, max: 2.67 },
    };
    const metrics = summarizeMetrics(result)!;
    expect(metrics.pairedTiming).toEqual(result.pairedTiming);
    await appendLedgerRecord(path, fakeRecord({ id: "c0016", metrics }));
    const unavailable = summarizeMetrics({
      ...result,
      pairedTiming: { status: "unavailable", reason: "the parent failed" },
    })!;
    await appendLedgerRecord(path, fakeRecord({ id: "c0017", metrics: unavailable }));
    const [first, second] = (await readLedger(path)).records;
    expect(first!.metrics!.pairedTiming).toEqual(result.pairedTiming);
    expect(second!.metrics!.pairedTiming).toEqual({
      status: "unavailable",
      reason: "the parent failed",
    });
    // A malformed figure is refused where the ledger is read, naming the field.
    await appendFile(
      path,
      JSON.stringify(
        fakeRecord({
          id: "c0018",
          metrics: { ...metrics, pairedTiming: { status: "ok" } as never },
        }),
      ) + "\n",
    );
    await appendLedgerRecord(path, fakeRecord({ id: "c0019" })).catch(() => undefined);
    await expect(readLedger(path)).rejects.toThrow(/pairedTiming/);
  });

  it("reports a torn last line and moves it aside before the next append", async () => {
    const path = join(await tempDir(), "ledger.jsonl");
    await appendLedgerRecord(path, fakeRecord({ id: "c0001" }));
    await appendFile(path, '{"schema":1,"id":"c00');
    const read = await readLedger(path);
    expect(read.records).toHaveLength(1);
    expect(read.tornTail).toBe('{"schema":1,"id":"c00');
    const aside = await repairTornTail(path, new Date("2026-01-01T00:00:00Z"));
    expect(aside).not.toBeNull();
    expect(await readFile(aside!, "utf8")).toBe('{"schema":1,"id":"c00');
    await appendLedgerRecord(path, fakeRecord({ id: "c0002" }));
    const after = await readLedger(path);
    expect(after.tornTail).toBeNull();
    expect(after.records.map((r) => r.id)).toEqual(["c0001", "c0002"]);
  });

  it("refuses a corrupt line in the middle, naming it", async () => {
    const path = join(await tempDir(), "ledger.jsonl");
    await writeFile(
      path,
      `${JSON.stringify(fakeRecord())}\nnot json\n${JSON.stringify(fakeRecord())}\n`,
    );
    await expect(readLedger(path)).rejects.toThrow(LedgerError);
    await expect(readLedger(path)).rejects.toThrow("line 2");
  });

  it("reads a missing ledger as empty", async () => {
    expect(await readLedger(join(await tempDir(), "none.jsonl"))).toEqual({
      records: [],
      tornTail: null,
    });
  });
});

describe("ledger lock", () => {
  it("lets one holder in, refuses a second, and frees on release", async () => {
    const path = join(await tempDir(), "lock");
    const release = await acquireLedgerLock(path, new Date());
    await expect(acquireLedgerLock(path, new Date())).rejects.toThrow(LedgerLockedError);
    await release();
    const again = await acquireLedgerLock(path, new Date());
    await again();
  });

  it("takes over a lock whose process is gone", async () => {
    const path = join(await tempDir(), "lock");
    const dead = spawnSync(process.execPath, [
      "-e",
      "process.stdout.write(String(process.pid))",
    ]).stdout.toString();
    const { hostname } = await import("node:os");
    await writeFile(
      path,
      JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "then" }),
    );
    const release = await acquireLedgerLock(path, new Date());
    expect(JSON.parse(await readFile(path, "utf8")).pid).toBe(process.pid);
    await release();
  });

  it("takes over a lock held by a zombie (exited, never reaped by its parent)", async () => {
    const path = join(await tempDir(), "lock");
    // The child exits after 0.5 s, when its parent has become `sleep`, which never reaps it: a real zombie.
    const parent = spawn("sh", ["-c", "sleep 0.5 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const zombie = Number(
        await new Promise<string>((resolve) =>
          parent.stdout.once("data", (d: Buffer) => resolve(String(d))),
        ),
      );
      await waitFor(() => processState(zombie) === "Z");
      expect(() => process.kill(zombie, 0)).not.toThrow(); // what the old check trusted
      expect(isProcessAlive(zombie)).toBe(false);
      await writeFile(path, JSON.stringify({ pid: zombie, host: hostname(), startedAt: "then" }));
      const release = await acquireLedgerLock(path, new Date());
      expect(JSON.parse(await readFile(path, "utf8")).pid).toBe(process.pid);
      await release();
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("waits briefly for a holder that is exiting, then takes over", async () => {
    const path = join(await tempDir(), "lock");
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    await writeFile(path, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: "then" }));
    setTimeout(() => holder.kill("SIGKILL"), 300);
    const started = Date.now();
    const release = await acquireLedgerLock(path, new Date());
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await release();
  });

  it("still refuses a holder that stays alive", async () => {
    const path = join(await tempDir(), "lock");
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await writeFile(
        path,
        JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: "then" }),
      );
      await expect(acquireLedgerLock(path, new Date())).rejects.toThrow(`pid ${holder.pid}`);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

/** Polls `condition` every 20 ms for up to 5 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
