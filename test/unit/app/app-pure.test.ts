/** The App's pure parts: command parsing, cron slots in a time zone, PR limits, permission reading. */
import { expect, test } from "@jest/globals";
import { canWrite } from "../../../src/app/commands/run-command.js";
import { parseCommand } from "../../../src/app/commands/parse-command.js";
import { limitReason } from "../../../src/app/jobs/propose-candidate.js";
import { latestSlot, parseCron } from "../../../src/config/cron.js";
import { configSchema } from "../../../src/config/schema.js";
import type { CandidatePull } from "../../../src/github/candidate-store.js";

test.each([
  ["/evolve", { name: "evolve", count: 1, focus: null }],
  [
    "/evolve 3 motion search\nsecond line ignored",
    { name: "evolve", count: 3, focus: "motion search" },
  ],
  ["/EVOLVE focus only", { name: "evolve", count: 1, focus: "focus only" }],
  ["/rollback v4", { name: "rollback", version: 4 }],
  ["/status", { name: "status" }],
  ["/adopt", { name: "adopt" }],
  ["/help", { name: "help" }],
  ["/evaluate", { name: "evaluate" }],
])("%j parses", (body, expected) => {
  expect(parseCommand(body)).toEqual(expected);
});

test.each(["/evolve 9", "/rollback", "/rollback latest", "/status now", "/frobnicate"])(
  "%j is an unknown command with a reason",
  (body) => {
    expect(parseCommand(body)).toMatchObject({ name: "unknown" });
  },
);

test.each(["looks fine", "", "text\n/evolve", " / evolve"])("%j is no command", (body) => {
  expect(parseCommand(body)).toBeNull();
});

test("cron slots are read in the configured time zone, across daylight saving", () => {
  const paris = parseCron("0 4 * * 1-5", "Europe/Paris");
  // Monday 30 Nov 2026, 03:10 UTC = 04:10 in Paris (UTC+1): the 04:00 slot is 03:00 UTC.
  expect(latestSlot(paris, new Date("2026-11-30T03:10:00Z"), 60)?.toISOString()).toBe(
    "2026-11-30T03:00:00.000Z",
  );
  // In July Paris is UTC+2: 04:00 is 02:00 UTC.
  expect(latestSlot(paris, new Date("2026-07-01T02:30:00Z"), 60)?.toISOString()).toBe(
    "2026-07-01T02:00:00.000Z",
  );
  // Saturday: none within the hour.
  expect(latestSlot(paris, new Date("2026-11-28T03:10:00Z"), 60)).toBeNull();
  expect(() => parseCron("61 * * * *")).toThrow(/minute "61" is outside 0-59/);
  expect(() => parseCron("* * *")).toThrow(/expected 5 fields/);
  expect(() => configSchema.parse({ github: { schedule: "0 4 * *" } })).toThrow(
    /expected 5 fields/,
  );
  expect(() => configSchema.parse({ github: { timezone: "Mars/Olympus" } })).toThrow(
    /not an IANA time zone/,
  );
});

function pull(state: "open" | "closed", minutesAgo: number): CandidatePull {
  const now = Date.parse("2026-11-30T03:00:00Z");
  return {
    number: 1,
    url: "http://127.0.0.1/o/r/pull/1",
    state,
    merged: false,
    branch: "b",
    headSha: "h",
    author: "a",
    authorType: "Bot",
    labels: [],
    createdAt: new Date(now - minutesAgo * 60_000),
    body: "",
    meta: null,
  };
}

test("prHourlyLimit and prConcurrentLimit", () => {
  const config = configSchema.parse({});
  const now = new Date("2026-11-30T03:00:00Z");
  expect(limitReason([pull("closed", 90)], config, now)).toBeNull();
  expect(limitReason([pull("closed", 10), pull("closed", 20)], config, now)).toMatch(
    /prHourlyLimit is 2/,
  );
  const five = Array.from({ length: 5 }, () => pull("open", 120));
  expect(limitReason(five, config, now)).toMatch(/prConcurrentLimit is 5/);
  const unlimited = configSchema.parse({ github: { prHourlyLimit: 0, prConcurrentLimit: 0 } });
  expect(limitReason([...five, pull("open", 1), pull("open", 2)], unlimited, now)).toBeNull();
});

test("write permission is read from user.permissions (maintain counts, triage does not)", () => {
  expect(
    canWrite({ permission: "write", user: { permissions: { maintain: true, push: true } } }),
  ).toBe(true);
  expect(
    canWrite({ permission: "read", user: { permissions: { triage: true, push: false } } }),
  ).toBe(false);
  expect(canWrite({ permission: "admin" })).toBe(true);
  expect(canWrite({ permission: "read" })).toBe(false);
});
