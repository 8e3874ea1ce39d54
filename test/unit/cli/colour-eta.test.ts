import { PassThrough } from "node:stream";
import { etaEstimator, formatDuration } from "../../../src/cli/eta.js";
import { painter, wantsColour } from "../../../src/format/colour.js";
import { renderAttemptsTable } from "../../../src/evolve/report/tables.js";
import { syntheticLedger } from "../../../src/bench/synthetic-ledger.js";

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

describe("terminal colour", () => {
  test("only on a TTY, and never with NO_COLOR set", () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    expect(wantsColour(tty, {})).toBe(true);
    expect(wantsColour(tty, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColour(tty, { NO_COLOR: "" })).toBe(true);
    expect(wantsColour(new PassThrough(), {})).toBe(false);
  });

  test("a coloured table has the same columns as the plain one once the codes are stripped", () => {
    const { records } = syntheticLedger(30);
    const plain = renderAttemptsTable(records);
    const coloured = renderAttemptsTable(records, painter(true));
    expect(plain).not.toMatch(ANSI);
    expect(coloured).toContain(`${ESC}[32m`); // versions in green
    expect(coloured).toContain(`${ESC}[31m`); // failures in red
    expect(coloured.replace(ANSI, "")).toBe(plain);
  });
});

describe("ETA", () => {
  test("remaining time from the pace so far", () => {
    let now = 0;
    const eta = etaEstimator(() => now);
    expect(eta(0, 10)).toBe("");
    now = 20_000;
    expect(eta(2, 10)).toBe("ETA 1m20s");
    expect(eta(10, 10)).toBe("");
    expect(formatDuration(7300)).toBe("2h01m");
  });
});
