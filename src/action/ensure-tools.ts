/**
 * Make the runner able to evaluate: ffmpeg (with libx265 for the x265
 * baseline), a Python with numpy, bubblewrap, and on Ubuntu 24.04 the
 * AppArmor setting that lets unprivileged user namespaces (bubblewrap) run.
 * Each check is one quick probe; only what is missing is installed, so a
 * prepared runner pays a fraction of a second.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ToolReport {
  /** One line per tool: what was found or done. */
  lines: string[];
  /** The Python that imports numpy. */
  python: string;
}

async function ok(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function output(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { timeout: 60_000, maxBuffer: 16 << 20 })).stdout;
  } catch {
    return "";
  }
}

/** Prefix with sudo when not root and sudo exists without a password prompt. */
async function privileged(args: string[]): Promise<[string, string[]]> {
  if (process.getuid?.() === 0) return [args[0]!, args.slice(1)];
  if (await ok("sudo", ["-n", "true"])) return ["sudo", ["-n", ...args]];
  return [args[0]!, args.slice(1)];
}

let aptUpdated = false;
async function aptInstall(packages: string[], log: (line: string) => void): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    const [cmd, args] = await privileged(["apt-get", "update", "-q"]);
    await run(cmd, args, { env, timeout: 300_000, maxBuffer: 64 << 20 });
    aptUpdated = true;
  }
  log(`installing ${packages.join(" ")} with apt-get`);
  const [cmd, args] = await privileged([
    "apt-get",
    "install",
    "-y",
    "-q",
    "--no-install-recommends",
    ...packages,
  ]);
  await run(cmd, args, { env, timeout: 600_000, maxBuffer: 64 << 20 });
}

/** The repository root holding this bundle (action/dist/index.js → root): where node_modules is looked up. */
function actionRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Whether `import("sharp")` from this bundle can resolve: a node_modules/sharp above it. */
function sharpResolvable(): boolean {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "node_modules", "sharp", "package.json"))) return true;
    if (dirname(dir) === dir) return false;
    dir = dirname(dir);
  }
}

/**
 * The JPEG baseline needs sharp, a native module the bundle cannot carry: install
 * the version the repository's package.json names into its node_modules.
 */
async function ensureSharp(log: (line: string) => void): Promise<string> {
  if (sharpResolvable()) return "sharp: present";
  const root = actionRepoRoot();
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const spec = `sharp@${pkg.dependencies?.sharp ?? "latest"}`;
  log(`installing ${spec} for the JPEG baseline (npm, into ${root}/node_modules)`);
  await run(
    "npm",
    [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--prefix",
      root,
      spec,
    ],
    { timeout: 600_000, maxBuffer: 64 << 20 },
  );
  return `sharp: installed ${spec}`;
}

/** Ensure every tool; `install` false only reports. Throws with what is missing and how to add it. */
export async function ensureTools(opts: {
  python: string | null;
  install: boolean;
  needX265: boolean;
  needJpeg: boolean;
  log: (line: string) => void;
}): Promise<ToolReport> {
  const lines: string[] = [];
  const missing: string[] = [];
  const python = opts.python ?? "python3";
  const hasNumpy = () => ok(python, ["-c", "import numpy"]);
  const bwrapProbe = ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"];
  // The first probes run at once: on a prepared runner they are all there is to do.
  const first = {
    encoders: output("ffmpeg", ["-hide_banner", "-encoders"]),
    numpy: hasNumpy(),
    bwrap: ok("bwrap", ["--version"]),
    bwrapWorks: ok("bwrap", bwrapProbe),
  };

  // ffmpeg, and libx265 inside it when x265 is a baseline.
  let encoders = (await first.encoders) || null;
  if (encoders === null && opts.install) {
    await aptInstall(["ffmpeg"], opts.log);
    encoders = (await output("ffmpeg", ["-hide_banner", "-encoders"])) || null;
  }
  if (encoders === null) missing.push("ffmpeg (apt-get install ffmpeg)");
  else if (opts.needX265 && !encoders.includes("libx265")) {
    missing.push("an ffmpeg built with libx265 (Debian/Ubuntu's ffmpeg package has it)");
  } else lines.push("ffmpeg: present");

  // Python with numpy: the input's, else the first python3 on PATH (actions/setup-python puts its own first).
  let numpy = await first.numpy;
  if (!numpy && opts.install) {
    const system = python === "python3" || python === "/usr/bin/python3";
    const where = (await output(python, ["-c", "import sys; print(sys.prefix)"])).trim();
    // A system Python takes numpy from apt (pip refuses: PEP 668); any other from pip.
    if (system && (where === "/usr" || where === "")) await aptInstall(["python3-numpy"], opts.log);
    else {
      opts.log(`installing numpy into ${python} with pip`);
      await run(python, ["-m", "pip", "install", "--quiet", "numpy"], { timeout: 600_000 });
    }
    numpy = await hasNumpy();
  }
  if (numpy) lines.push(`python: ${python} imports numpy`);
  else missing.push(`numpy for ${python} (pip install numpy, or apt-get install python3-numpy)`);

  // bubblewrap, and the Ubuntu 24.04 AppArmor switch that blocks its user namespaces.
  let bwrap = await first.bwrap;
  if (!bwrap && opts.install) {
    await aptInstall(["bubblewrap"], opts.log);
    bwrap = await ok("bwrap", ["--version"]);
  }
  if (!bwrap) {
    missing.push("bubblewrap (apt-get install bubblewrap)");
  } else {
    let works = (await first.bwrapWorks) || (await ok("bwrap", bwrapProbe));
    const restrict = (
      await output("sysctl", ["-n", "kernel.apparmor_restrict_unprivileged_userns"])
    ).trim();
    if (!works && restrict === "1" && opts.install) {
      const [cmd, args] = await privileged([
        "sysctl",
        "-w",
        "kernel.apparmor_restrict_unprivileged_userns=0",
      ]);
      await run(cmd, args, { timeout: 30_000 }).catch(() => {});
      works = await ok("bwrap", bwrapProbe);
      if (works) lines.push("bubblewrap: enabled unprivileged user namespaces (AppArmor sysctl)");
    }
    if (works) lines.push("bubblewrap: runs");
    else {
      lines.push(
        "bubblewrap: cannot create a sandbox here (user namespaces blocked); the evaluation states the weaker isolation",
      );
    }
  }
  if (opts.needJpeg) {
    if (sharpResolvable()) lines.push("sharp: present");
    else if (opts.install) lines.push(await ensureSharp(opts.log));
    else missing.push("sharp for the JPEG baseline (npm install sharp)");
  }
  if (missing.length > 0) {
    throw new Error(
      `missing on this runner: ${missing.join("; ")}${opts.install ? "" : " (install-tools is false)"}`,
    );
  }
  return { lines, python };
}
