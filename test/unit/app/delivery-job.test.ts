/** The routing of webhook deliveries to jobs, on payloads shaped like GitHub's. */
import { expect, test } from "@jest/globals";
import { deliveryJob } from "../../../src/app/delivery-job.js";

const source = {
  installation: { id: 42 },
  repository: { name: "codecs", owner: { login: "octo", type: "User" } },
};
const comment = (body: string, type = "User", action = "created") => ({
  ...source,
  action,
  issue: { number: 7, pull_request: { url: "https://api.github.com/repos/octo/codecs/pulls/7" } },
  comment: { id: 99, body, user: { login: "maintainer", type } },
  sender: { login: "maintainer", type },
});
const checkRun = (name: string, action = "completed") => ({
  ...source,
  action,
  check_run: { id: 5, name, head_sha: "a".repeat(40), status: "completed" },
});

test("a command comment by a person becomes a command job", () => {
  expect(deliveryJob("issue_comment", comment("/evolve 2 entropy\nmore"))).toEqual({
    installationId: 42,
    repo: { owner: "octo", repo: "codecs" },
    job: {
      kind: "command",
      issue: 7,
      isPull: true,
      commentId: 99,
      user: "maintainer",
      body: "/evolve 2 entropy\nmore",
    },
  });
});

test("bots, edits, non-commands, other check runs and other events ask for nothing", () => {
  expect(deliveryJob("issue_comment", comment("/evolve", "Bot"))).toBeNull();
  expect(deliveryJob("issue_comment", comment("/evolve", "User", "edited"))).toBeNull();
  expect(deliveryJob("issue_comment", comment("looks good"))).toBeNull();
  expect(deliveryJob("check_run", checkRun("lint"))).toBeNull();
  expect(deliveryJob("check_run", checkRun("codec-evolve / evaluation", "created"))).toBeNull();
  expect(deliveryJob("installation", { ...source, action: "created" })).toBeNull();
  expect(deliveryJob("issue_comment", { action: "created" })).toBeNull();
});

test("the evaluation check run becomes a check-run job", () => {
  expect(deliveryJob("check_run", checkRun("codec-evolve / evaluation"))?.job).toEqual({
    kind: "check-run",
    checkRunId: 5,
    headSha: "a".repeat(40),
    adoptedBy: null,
  });
});
