/**
 * Make the runner able to evaluate: ffmpeg (with libx265 for the x265
 * baseline), a Python with numpy, bubblewrap, and on Ubuntu 24.04 the
 * AppArmor setting that lets unprivileged user namespaces (bubblewrap) run.
 * Each check is one quick probe; only what is missing is installed, so a
 * prepared runner pays a fraction of a second.
 */
import { execFile } from "node:child_process";
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

/** Ensure every tool; `install` false only reports. Throws with what is missing and how to add it. */
export async function ensureTools(opts: {
  python: string | null;
  install: boolean;
  needX265: boolean;
  log: (line: string) => void;
}): Promise<ToolReport> {
  const lines: string[] = [];
  const missing: string[] = [];

  // ffmpeg, and libx265 inside it when x265 is a baseline.
  let encoders = (await output("ffmpeg", ["-hide_banner", "-encoders"])) || null;
  if (encoders === null && opts.install) {
    await aptInstall(["ffmpeg"], opts.log);
    encoders = (await output("ffmpeg", ["-hide_banner", "-encoders"])) || null;
  }
  if (encoders === null) missing.push("ffmpeg (apt-get install ffmpeg)");
  else if (opts.needX265 && !encoders.includes("libx265")) {
    missing.push("an ffmpeg built with libx265 (Debian/Ubuntu's ffmpeg package has it)");
  } else lines.push("ffmpeg: present");

  // Python with numpy: the input's, else the first python3 on PATH (actions/setup-python puts its own first).
  const python = opts.python ?? "python3";
  const hasNumpy = () => ok(python, ["-c", "import numpy"]);
  if (!(await hasNumpy()) && opts.install) {
    const system = python === "python3" || python === "/usr/bin/python3";
    const where = (await output(python, ["-c", "import sys; print(sys.prefix)"])).trim();
    // A system Python takes numpy from apt (pip refuses: PEP 668); any other from pip.
    if (system && (where === "/usr" || where === "")) await aptInstall(["python3-numpy"], opts.log);
    else {
      opts.log(`installing numpy into ${python} with pip`);
      await run(python, ["-m", "pip", "install", "--quiet", "numpy"], { timeout: 600_000 });
    }
  }
  if (await hasNumpy()) lines.push(`python: ${python} imports numpy`);
  else missing.push(`numpy for ${python} (pip install numpy, or apt-get install python3-numpy)`);

  // bubblewrap, and the Ubuntu 24.04 AppArmor switch that blocks its user namespaces.
  if (!(await ok("bwrap", ["--version"])) && opts.install) {
    await aptInstall(["bubblewrap"], opts.log);
  }
  if (!(await ok("bwrap", ["--version"]))) {
    missing.push("bubblewrap (apt-get install bubblewrap)");
  } else {
    const probe = ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"];
    let works = await ok("bwrap", probe);
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
      works = await ok("bwrap", probe);
      if (works) lines.push("bubblewrap: enabled unprivileged user namespaces (AppArmor sysctl)");
    }
    if (works) lines.push("bubblewrap: runs");
    else {
      lines.push(
        "bubblewrap: cannot create a sandbox here (user namespaces blocked); the evaluation states the weaker isolation",
      );
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `missing on this runner: ${missing.join("; ")}${opts.install ? "" : " (install-tools is false)"}`,
    );
  }
  return { lines, python };
}
