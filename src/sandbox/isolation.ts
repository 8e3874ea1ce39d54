import { execFile } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPython } from "./find-python.js";
import { probePython, type PythonInfo } from "./python-info.js";
import type { SandboxOptions } from "./sandbox-options.js";

/** The isolation a run will use, and how to say it in a report. */
export interface ResolvedIsolation {
  mode: "bubblewrap" | "none";
  /** The bubblewrap executable, when mode is "bubblewrap". */
  bubblewrap: string;
  isolation: string;
  warnings: string[];
}

/** uid/gid the harness runs as: root drops to nobody, so RLIMIT_NPROC and file permissions apply. */
export function sandboxUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

/** The environment the harness starts with: nothing from the host (no tokens, no HOME). */
export function sandboxEnvironment(): Record<string, string> {
  return {
    PATH: "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: "/nonexistent",
    // Encoder and decoder are separate processes: string hashing must agree between them.
    PYTHONHASHSEED: "0",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONNOUSERSITE: "1",
    OMP_NUM_THREADS: "1",
    OPENBLAS_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
    NUMEXPR_NUM_THREADS: "1",
  };
}

const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
// The dynamic loader and Debian's BLAS alternatives; nothing else of /etc.
const ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"];

/** bubblewrap arguments that run `command` with only /usr, the Python library dirs and `sandboxDir` (as /sandbox) visible. */
export function bubblewrapArgs(
  info: PythonInfo,
  sandboxDir: string,
  env: Record<string, string>,
): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  for (const file of ETC_FILES) args.push("--ro-bind-try", file, file);
  for (const dir of info.libraryDirs) {
    if (
      !dir.startsWith("/usr/") &&
      !SYSTEM_DIRS.some((s) => dir === s || dir.startsWith(s + "/"))
    ) {
      args.push("--ro-bind", dir, dir);
    }
  }
  args.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/dev/shm",
    "--ro-bind",
    sandboxDir,
    "/sandbox",
    "--chdir",
    "/sandbox",
    "--unshare-all",
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
  );
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  return args;
}

interface BubblewrapProbe {
  ok: boolean;
  detail: string;
  /** Wall-clock milliseconds of `bwrap ... python -c pass` minus the same without bwrap. */
  startupMs?: number;
}

const probes = new Map<string, Promise<BubblewrapProbe>>();

function run(
  command: string,
  args: string[],
  user: { uid: number; gid: number } | undefined,
): Promise<{ ok: boolean; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: 30_000, env: sandboxEnvironment(), ...user },
      (error, stdout, stderr) => {
        resolve({
          ok: !error,
          out: (stdout + stderr).trim() || (error?.message ?? ""),
          ms: performance.now() - started,
        });
      },
    );
  });
}

/** Whether bubblewrap can start the given Python here (cached per Python). */
export function probeBubblewrap(python: string, bwrap = "bwrap"): Promise<BubblewrapProbe> {
  const key = `${bwrap}\0${python}`;
  let pending = probes.get(key);
  if (!pending) {
    pending = (async () => {
      const version = await run(bwrap, ["--version"], undefined);
      if (!version.ok) return { ok: false, detail: `${bwrap} cannot run (${version.out})` };
      const info = await probePython(python);
      const emptyDir = mkdtempSync(join(tmpdir(), "codec-evolve-probe-"));
      chmodSync(emptyDir, 0o755);
      try {
        const user = sandboxUser();
        const args = [
          ...bubblewrapArgs(info, emptyDir, sandboxEnvironment()),
          info.executable,
          "-s",
          "-c",
          "pass",
        ];
        const wrapped = await run(bwrap, args, user);
        if (!wrapped.ok)
          return {
            ok: false,
            detail: `${version.out} cannot start a sandbox here: ${wrapped.out}`,
          };
        const bare = await run(info.executable, ["-s", "-c", "pass"], user);
        return { ok: true, detail: version.out, startupMs: Math.max(0, wrapped.ms - bare.ms) };
      } finally {
        rmSync(emptyDir, { recursive: true, force: true });
      }
    })();
    probes.set(key, pending);
  }
  return pending;
}

const USERNS_HINT =
  "On GitHub-hosted Ubuntu 24.04 runners unprivileged user namespaces are restricted by AppArmor; " +
  "run `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` before the evaluation (and `sudo apt-get install -y bubblewrap`).";

/** Decide the isolation for a run: bubblewrap when it works (required for "bubblewrap"), else process-level guards. */
export async function resolveIsolation(opts: SandboxOptions = {}): Promise<ResolvedIsolation> {
  const python = await findPython(opts.python);
  const wanted = opts.isolation ?? "auto";
  const bubblewrap = opts.bubblewrap ?? "bwrap";
  const user = sandboxUser();
  const userNote = user ? `, uid ${user.uid}` : "";
  const guards = opts.layers?.runtimeGuards === false ? "no audit hook" : "audit hook";
  const check = opts.layers?.staticCheck === false ? "no static check" : "static check";
  const warnings: string[] = [];
  if (opts.layers?.staticCheck === false || opts.layers?.runtimeGuards === false) {
    warnings.push(`SANDBOX LAYERS DISABLED (${check}, ${guards}): for tests and benchmarks only.`);
  }
  if (wanted !== "none") {
    const probe = await probeBubblewrap(python, bubblewrap);
    if (probe.ok) {
      return {
        mode: "bubblewrap",
        bubblewrap,
        isolation: `${probe.detail}: read-only /usr and Python libraries only, private /tmp and /dev/shm, no network, new pid/ipc/uts/user namespaces, cleared environment${userNote}; ${check}, ${guards}, rlimits`,
        warnings,
      };
    }
    if (wanted === "bubblewrap") {
      throw new Error(`isolation "bubblewrap" was required but ${probe.detail}. ${USERNS_HINT}`);
    }
    warnings.push(
      `NO OS SANDBOX: ${probe.detail}. Codecs run with process-level guards only: native code (cv2, torch) can read files this user can read and open network connections without any audit event. ${USERNS_HINT}`,
    );
  } else {
    warnings.push(
      'NO OS SANDBOX: isolation "none" was chosen; native code in the codec is not contained.',
    );
  }
  if (!user) {
    warnings.push(
      "RLIMIT_NPROC is not enforced outside bubblewrap for a non-root user (it would count every process of this user): fork bombs are stopped only by the audit hook.",
    );
  }
  return {
    mode: "none",
    bubblewrap,
    isolation: `process-level guards only: cleared environment${userNote}, ${check}, ${guards}, rlimits`,
    warnings,
  };
}

/** What containment is in force (e.g. "bubblewrap 0.8.0: ro root, private /tmp, no network, new pid ns") and loud warnings when weaker. */
export async function describeIsolation(
  opts?: SandboxOptions,
): Promise<{ isolation: string; warnings: string[] }> {
  const resolved = await resolveIsolation(opts);
  return { isolation: resolved.isolation, warnings: resolved.warnings };
}
