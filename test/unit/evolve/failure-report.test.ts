import {
  buildFailureReport,
  renderFailureReport,
} from "../../../src/evolve/report/failure-report.js";
import { failedRecord, fakeRecord } from "./fake-record.js";

describe("failure report", () => {
  it("groups repeated failures and recommends in plain words", () => {
    const records = [
      fakeRecord(),
      failedRecord("forbidden", "forbidden import: scipy.ndimage (allowed: numpy, zlib)"),
      failedRecord("forbidden", "forbidden import: scipy.ndimage (allowed: numpy, zlib)"),
      failedRecord(
        "runtime",
        "ValueError: shapes (4,4) and (3,) not aligned",
        "Traceback...\n  File codec.py, line 12\nValueError: shapes",
      ),
      failedRecord("forbidden", "forbidden import: scipy.ndimage (allowed: numpy, zlib)"),
    ];
    const report = buildFailureReport(records, 5, ["numpy", "zlib"]);
    expect(report.failures).toBe(4);
    expect(report.groups[0]!.count).toBe(3);
    expect(report.groups[0]!.recommendation).toBe(
      "3 of the last 5 attempt(s) imported scipy, which is not allowed; use numpy or another allowed module (allowed: numpy, zlib).",
    );
    const text = renderFailureReport(report);
    expect(text).toContain("4 of the last 5 attempt(s) failed");
    expect(text).toContain("[runtime] x1");
    expect(text).toContain("ValueError: shapes");
  });

  it("looks only at the last N attempts and ignores the seed", () => {
    const records = [
      failedRecord("timeout", "too slow"),
      fakeRecord({ proposer: { kind: "seed", label: "starting codec", model: null } }),
      fakeRecord(),
      fakeRecord(),
    ];
    const report = buildFailureReport(records, 2);
    expect(report.failures).toBe(0);
    expect(renderFailureReport(report)).toBe("No failures in the last 2 attempt(s).");
  });
});
