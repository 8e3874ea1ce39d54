/**
 * check-dist (actions/typescript-action): the committed action/dist/index.js
 * must be exactly what a fresh build of src/ gives, or the Action that runs
 * on GitHub is not the code that was reviewed and tested.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DIST, REPO_ROOT } from "./run-action.js";

const exec = promisify(execFile);

describe("check-dist", () => {
  it("action/dist/index.js equals a fresh bundle of src/action (run `npm run build:action` and commit if not)", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "ce-check-dist-")), "index.js");
    await exec(process.execPath, [join(REPO_ROOT, "scripts", "build-action.mjs"), out]);
    const [fresh, committed] = await Promise.all([readFile(out, "utf8"), readFile(DIST, "utf8")]);
    expect(fresh.length).toBe(committed.length);
    expect(fresh === committed).toBe(true);
  });
});
