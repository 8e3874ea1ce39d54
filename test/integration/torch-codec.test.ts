/**
 * torch codecs run in the sandbox on the CPU (issue 7 item 3): Debian's
 * python3-torch, through bubblewrap where it runs here, and a library that reads
 * its own /proc/self/maps while it is imported (torch >= 2.6 does, in
 * _load_global_deps) loads, while a codec reading it at run time stays refused
 * (test/attacks/proc_self_maps.py).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticClip } from "../../src/evaluate/clips/synthetic.js";
import { evaluateCodec } from "../../src/evaluate/evaluator.js";
import { findPython } from "../../src/sandbox/find-python.js";
import { resolveIsolation } from "../../src/sandbox/isolation.js";
import { makeVenv } from "../fixtures/venv/make-venv.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => join(here, "..", "fixtures", "torch", name);
const python = await findPython();
const bubblewrap = (await resolveIsolation({ isolation: "auto" })).mode === "bubblewrap";
const modes = bubblewrap ? (["bubblewrap", "none"] as const) : (["none"] as const);
// `import torch` takes about 2 s of CPU; on a loaded 2-core box it has taken 10 s of wall time.
const limits = { loadSeconds: 120, frameSeconds: 60, runSeconds: 300 };

// What torch/__init__.py (2.6 and later) does at import, in _load_global_deps.
const READS_OWN_MAPS = `
try:
    with open("/proc/self/maps") as f:
        _maps = f.read()
except Exception:
    _maps = ""
LOADED = 0 if "python" in _maps else 255
`;

describe("torch codecs in the sandbox", () => {
  it("has Debian's python3-torch to test with (installed by scripts/setup.sh --test)", () => {
    const probe = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], {
      encoding: "utf8",
    });
    expect({ status: probe.status, stderr: probe.stderr.split("\n").slice(-2) }).toEqual({
      status: 0,
      stderr: [""],
    });
  });

  it(`evaluates a small torch codec on the CPU (isolation ${modes[0]})`, async () => {
    const clip = syntheticClip("moving-shapes", { width: 32, height: 32, frames: 2, seed: 3 });
    const result = await evaluateCodec({
      codecPath: fixture("torch_codec.py"),
      clips: [clip],
      qualities: [20, 35, 50, 65],
      baselines: [],
      sandbox: { isolation: modes[0], limits },
    });
    if (result.status !== "ok") throw new Error(JSON.stringify(result.failure));
    // two low bits dropped, mid-point restored: errors -2..1, about 46 dB
    for (const rung of result.clips[0]!.rungs) {
      expect(rung.psnrRgb).toBeGreaterThan(44);
      expect(rung.psnrRgb).toBeLessThan(48);
    }
  });

  describe("a library that reads /proc/self/maps while it loads", () => {
    let root = "";
    let venvPython = "";
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), "codec-evolve-maps-"));
      chmodSync(root, 0o755);
      venvPython = makeVenv(join(root, "venv"), {
        systemSitePackages: true,
        packages: { reads_own_maps: READS_OWN_MAPS },
      }).python;
    }, 120_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    for (const isolation of modes) {
      it(`loads and reads it (isolation ${isolation})`, async () => {
        const clip = syntheticClip("moving-shapes", { width: 32, height: 32, frames: 2, seed: 5 });
        const result = await evaluateCodec({
          codecPath: fixture("maps_codec.py"),
          clips: [clip],
          qualities: [20, 35, 50, 65],
          baselines: [],
          sandbox: {
            python: venvPython,
            isolation,
            allowedImports: ["numpy", "reads_own_maps"],
            limits,
          },
        });
        if (result.status !== "ok") throw new Error(JSON.stringify(result.failure));
        // the map was read (LOADED = 0): the codec is lossless
        for (const rung of result.clips[0]!.rungs) expect(rung.psnrRgb).toBeGreaterThan(90);
      });
    }
  });
});
