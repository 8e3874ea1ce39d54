/**
 * The file LedgerStore and what every LedgerStore relies on: validated reads
 * (errors name the file and the line), compare-and-swap writes, and one
 * allocation of ids and versions that counts attempts in flight.
 */
import { appendFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { appendFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextCandidateId, nextVersion } from "../../../src/evolve/ledger/allocation.js";
import { fileLedgerStore } from "../../../src/evolve/ledger/file-ledger-store.js";
import {
  appendLedgerRecord,
  LedgerError,
  readLedger,
  readPendingFile,
} from "../../../src/evolve/ledger/ledger-file.js";
import { updateLedger } from "../../../src/evolve/ledger/ledger-store.js";
import type { PendingAttempt } from "../../../src/evolve/ledger/pending-attempt.js";
import { ensureStateDir, statePaths } from "../../../src/evolve/state-paths.js";
import { fakeRecord } from "./fake-record.js";

async function stateDir() {
  const paths = statePaths(await mkdtemp(join(tmpdir(), "ledger-store-")));
  await ensureStateDir(paths);
  return paths;
}

function pending(id: string, over: Partial<PendingAttempt> = {}): PendingAttempt {
  return {
    id,
    runId: "run-1",
    generation: 1,
    attempt: 2,
    parentId: "c0001",
    comparedToVersion: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    proposerKind: "openai",
    proposal: {
      answerText: "HYPOTHESIS: x",
      usage: { promptTokens: 1, completionTokens: 1, costUsd: 0.25 },
      model: "m",
      label: "m",
    },
    ...over,
  };
}

describe("ledger validation", () => {
  it("names the file, the line and the field of a record that is JSON but not a record", async () => {
    const paths = await stateDir();
    await appendLedgerRecord(paths.ledger, fakeRecord({ id: "c0001" }));
    await appendFile(
      paths.ledger,
      `${JSON.stringify({ ...fakeRecord({ id: "c0002" }), status: "pwned" })}\n`,
    );
    const read = readLedger(paths.ledger);
    await expect(read).rejects.toThrow(LedgerError);
    await expect(read).rejects.toThrow(`${paths.ledger}: line 2 is not a valid ledger record`);
    await expect(read).rejects.toThrow("status");
  });

  it("refuses ids that would escape the state folder or a branch name", async () => {
    const paths = await stateDir();
    await appendFile(paths.ledger, `${JSON.stringify(fakeRecord({ id: "../../etc/x" }))}\n`);
    await expect(readLedger(paths.ledger)).rejects.toThrow(/line 1 .*id/);
  });

  it("names the pending file and the field when it is not a pending attempt", async () => {
    const paths = await stateDir();
    await writeFile(paths.pending, JSON.stringify({ ...pending("c0002"), generation: "two" }));
    const read = readPendingFile(paths.pending);
    await expect(read).rejects.toThrow(`${paths.pending} is not a valid pending attempt`);
    await expect(read).rejects.toThrow("generation");
    expect(await readPendingFile(join(paths.dir, "absent.json"))).toBeNull();
  });
});

describe("file LedgerStore", () => {
  it("writes only at the revision it was read at", async () => {
    const paths = await stateDir();
    const store = fileLedgerStore(paths);
    const start = await store.read();
    expect(start).toMatchObject({ records: [], pending: [] });
    const first = await store.write(start.revision, { append: [fakeRecord({ id: "c0001" })] });
    expect(first.ok).toBe(true);
    // A writer still holding the old revision is refused and handed the current state.
    const stale = await store.write(start.revision, {
      append: [fakeRecord({ id: "c0002" })],
      putPending: [pending("c0003")],
    });
    expect(stale.ok).toBe(false);
    expect(stale.state.records.map((r) => r.id)).toEqual(["c0001"]);
    expect(existsSync(paths.pending)).toBe(false);
    // A pending change alone also moves the revision.
    const withPending = await store.write(stale.state.revision, { putPending: [pending("c0002")] });
    expect(withPending.ok).toBe(true);
    expect((await store.write(stale.state.revision, {})).ok).toBe(false);
  });

  it("appends a record and removes its pending attempt in one change, and keeps one attempt in flight", async () => {
    const paths = await stateDir();
    const store = fileLedgerStore(paths);
    let state = await store.read();
    state = (await store.write(state.revision, { putPending: [pending("c0002")] })).state;
    expect(JSON.parse(await readFile(paths.pending, "utf8")).id).toBe("c0002");
    await expect(store.write(state.revision, { putPending: [pending("c0003")] })).rejects.toThrow(
      "holds one attempt in flight",
    );
    const done = await store.write(state.revision, {
      append: [fakeRecord({ id: "c0002" })],
      removePending: ["c0002"],
    });
    expect(done.ok && done.state.pending).toEqual([]);
    expect(existsSync(paths.pending)).toBe(false);
  });

  it("updateLedger decides again on the new state after a conflict", async () => {
    const paths = await stateDir();
    const store = fileLedgerStore(paths);
    let interfered = false;
    const { value } = await updateLedger(store, (state) => {
      const id = nextCandidateId(state);
      if (!interfered) {
        // Another writer appends between this read and this write.
        interfered = true;
        appendFileSync(paths.ledger, `${JSON.stringify(fakeRecord({ id }))}\n`);
      }
      return { change: { append: [fakeRecord({ id })] }, value: id };
    });
    const { records } = await readLedger(paths.ledger);
    expect(value).toBe("c0002");
    expect(records.map((r) => r.id)).toEqual(["c0001", "c0002"]);
  });
});

describe("id and version allocation", () => {
  it("counts attempts in flight: their ids and reserved versions are taken", () => {
    const records = [
      fakeRecord({ id: "c0001", version: 1, status: "seed" }),
      fakeRecord({ id: "c0002", version: 2, status: "adopted" }),
    ];
    expect(nextCandidateId({ records, pending: [] })).toBe("c0003");
    expect(nextVersion({ records, pending: [] })).toBe(3);
    const inFlight = pending("c0003", {
      adoption: { record: fakeRecord({ id: "c0003", version: 3 }), message: "v3" },
    });
    expect(nextCandidateId({ records, pending: [inFlight] })).toBe("c0004");
    expect(nextVersion({ records, pending: [inFlight] })).toBe(4);
    // Versions already on the branch (a ledger that lags behind) are taken too.
    expect(nextVersion({ records, pending: [] }, [5])).toBe(6);
    // Ids that are not cNNNN (e.g. hand-written) do not disturb the sequence.
    expect(nextCandidateId({ records: [fakeRecord({ id: "manual-1" })], pending: [] })).toBe(
      "c0001",
    );
  });
});
