/**
 * A virtualenv's Python runs codecs with the venv's packages (issue 7 item 2):
 * real venvs made by Debian's `python3 -m venv`, one with and one without the
 * system site-packages, evaluated through the real sandbox (bubblewrap where it
 * runs here, and process-level guards). The codec imports a module that only
 * the venv has; a sandbox started through the base interpreter cannot see it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticClip } from "../../src/evaluate/clips/synthetic.js";
import { evaluateCodec } from "../../src/evaluate/evaluator.js";
import { findPython } from "../../src/sandbox/find-python.js";
import {
  bubblewrapArgs,
  resolveIsolation,
  sandboxEnvironment,
} from "../../src/sandbox/isolation.js";
import { probePython } from "../../src/sandbox/python-info.js";
import { makeVenv } from "../fixtures/venv/make-venv.js";

const here = dirname(fileURLToPath(import.meta.url));
const CODEC = join(here, "..", "fixtures", "venv", "venv_codec.py");
const STEP = 4;
const bubblewrap = (await resolveIsolation({ isolation: "auto" })).mode === "bubblewrap";

let root = "";
let withSystem = "";
let withoutSystem = "";

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "codec-evolve-venv-"));
  chmodSync(root, 0o755); // the sandbox runs as nobody when the tests run as root
  const packages = { venv_marker: `STEP = ${STEP}\n` };
  withSystem = makeVenv(join(root, "with-system"), { systemSitePackages: true, packages }).python;
  const bare = makeVenv(join(root, "without-system"), { systemSitePackages: false, packages });
  withoutSystem = bare.python;
  // Without the system site-packages numpy is not there, until a .pth file points at Debian's.
  expect(spawnSync(withoutSystem, ["-c", "import numpy"]).status).not.toBe(0);
  writeFileSync(join(bare.site, "debian-dist-packages.pth"), "/usr/lib/python3/dist-packages\n");
  expect(spawnSync(withoutSystem, ["-c", "import numpy"]).status).toBe(0);
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a virtualenv's Python", () => {
  it("is kept as the venv's path, not the base interpreter its symlink points to", async () => {
    expect(await findPython(withSystem)).toBe(withSystem);
    const info = await probePython(withoutSystem);
    expect(info.executable).toBe(withoutSystem);
    // the venv (and its pyvenv.cfg) is bound read-only, after the fresh /tmp that would hide it
    const args = bubblewrapArgs(info, "/nonexistent", sandboxEnvironment());
    const venv = join(root, "without-system");
    const at = args.findIndex((a, i) => a === "--ro-bind" && args[i + 2] === venv);
    expect(at).toBeGreaterThan(args.indexOf("/tmp"));
    expect(args.slice(at, at + 3)).toEqual(["--ro-bind", venv, venv]);
  });

  const cases = [
    ["--system-site-packages", () => withSystem],
    ["no system site-packages, numpy through a .pth file", () => withoutSystem],
  ] as const;
  const modes = bubblewrap ? (["bubblewrap", "none"] as const) : (["none"] as const);
  for (const [name, python] of cases) {
    for (const isolation of modes) {
      it(`evaluates a codec that imports a venv-only module (${name}; isolation ${isolation})`, async () => {
        const clip = syntheticClip("moving-shapes", { width: 32, height: 32, frames: 2, seed: 7 });
        const result = await evaluateCodec({
          codecPath: CODEC,
          clips: [clip],
          qualities: [20, 35, 50, 65],
          baselines: [],
          sandbox: {
            python: python(),
            isolation,
            allowedImports: ["numpy", "venv_marker"],
            limits: { loadSeconds: 60, frameSeconds: 30, runSeconds: 120 },
          },
        });
        if (result.status !== "ok") throw new Error(JSON.stringify(result.failure));
        // the venv's STEP reached the codec: quantisation to steps of 4 gives about 46 dB here
        // (steps of 3 would give about 50 dB, of 8 about 40 dB)
        const rungs = result.clips[0]!.rungs;
        expect(rungs).toHaveLength(4);
        for (const rung of rungs) {
          expect(rung.psnrRgb).toBeGreaterThan(44);
          expect(rung.psnrRgb).toBeLessThan(48);
        }
      });
    }
  }
});
