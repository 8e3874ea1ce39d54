import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gpuDeviceNodes } from "../../../src/sandbox/gpu-devices.js";
import {
  bubblewrapArgs,
  resolveIsolation,
  sandboxEnvironment,
} from "../../../src/sandbox/isolation.js";
import type { PythonInfo } from "../../../src/sandbox/python-info.js";

const info: PythonInfo = {
  executable: "/usr/bin/python3",
  version: "3.11.2",
  numpy: "1.24.2",
  libraryDirs: ["/usr/lib/python3.11"],
  startDirs: [{ path: "/usr/bin", real: "/usr/bin" }],
};

/** The triples `--dev-bind SRC DEST` of a bubblewrap argv. */
function devBinds(args: readonly string[]): string[][] {
  return args.flatMap((a, i) => (a === "--dev-bind" ? [args.slice(i, i + 3)] : []));
}

describe("GPU device nodes (sandbox.gpu)", () => {
  let dev = "";
  beforeAll(() => {
    // A stand-in for a GPU machine's /dev: this session has no GPU.
    dev = mkdtempSync(join(tmpdir(), "codec-evolve-dev-"));
    for (const name of [
      "nvidia0",
      "nvidiactl",
      "nvidia-uvm",
      "nvidia-uvm-tools",
      "sda",
      "null",
      "kvm",
    ])
      writeFileSync(join(dev, name), "");
    mkdirSync(join(dev, "dri"));
    mkdirSync(join(dev, "nvidia-caps"));
  });
  afterAll(() => rmSync(dev, { recursive: true, force: true }));

  it("finds NVIDIA nodes and /dev/dri, nothing else of /dev", () => {
    expect(gpuDeviceNodes(dev).map((d) => d.path)).toEqual([
      "/dev/dri",
      "/dev/nvidia-caps",
      "/dev/nvidia-uvm",
      "/dev/nvidia-uvm-tools",
      "/dev/nvidia0",
      "/dev/nvidiactl",
    ]);
  });

  it("binds them into bubblewrap after its fresh /dev, and binds nothing without them", () => {
    const nodes = gpuDeviceNodes(dev);
    const args = bubblewrapArgs(info, "/work/box", sandboxEnvironment(), nodes);
    expect(devBinds(args)).toEqual(nodes.map((n) => ["--dev-bind", n.real, n.path]));
    expect(devBinds(args)[0]).toEqual(["--dev-bind", join(dev, "dri"), "/dev/dri"]);
    const fresh = args.findIndex((a, i) => a === "--dev" && args[i + 1] === "/dev");
    expect(args.indexOf("--dev-bind")).toBeGreaterThan(fresh);
    // every other host path stays read-only
    expect(args.filter((a) => a === "--bind")).toEqual([]);
    expect(devBinds(bubblewrapArgs(info, "/work/box", sandboxEnvironment()))).toEqual([]);
  });

  const gpuHere = existsSync("/dev/nvidia0") || existsSync("/dev/dri");
  (gpuHere ? it.skip : it)(
    "warns that codecs run on the CPU when gpu is asked for on a machine without one",
    async () => {
      const resolved = await resolveIsolation({ isolation: "auto", gpu: true });
      expect(resolved.gpuDevices).toEqual([]);
      if (resolved.mode === "bubblewrap")
        expect(resolved.warnings.join("\n")).toMatch(
          /sandbox.gpu is true but .* codecs run on the CPU/,
        );
    },
  );
});
