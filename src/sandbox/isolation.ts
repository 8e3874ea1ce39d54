import { execFile } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPython } from "./find-python.js";
import { probePython, type PythonInfo } from "./python-info.js";
import { gpuDeviceNodes, type DeviceNode } from "./gpu-devices.js";
import type { SandboxOptions } from "./sandbox-options.js";

/** The isolation a run will use, and how to say it in a report. */
export interface ResolvedIsolation {
  mode: "bubblewrap" | "none";
  /** The bubblewrap executable, when mode is "bubblewrap". */
  bubblewrap: string;
  isolation: string;
  warnings: string[];
  /** GPU device nodes bound into bubblewrap (sandbox.gpu); empty otherwise. */
  gpuDevices: DeviceNode[];
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
    // glibc hands freed frame-sized arrays back to the kernel and faults them in again on the
    // next frame; keeping up to 64 MiB of them saves about a tenth of a codec's CPU time
    // (page faults were 12% of it). Allocator tuning only: limits and results are unchanged.
    MALLOC_MMAP_THRESHOLD_: String(64 * 1024 * 1024),
    MALLOC_TRIM_THRESHOLD_: String(128 * 1024 * 1024),
    MALLOC_TOP_PAD_: String(16 * 1024 * 1024),
  };
}

const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
// The dynamic loader and Debian's BLAS alternatives; nothing else of /etc.
const ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"];

/** Whether `path` is already visible read-only in every sandbox (/usr and the system directories). */
function isSystemPath(path: string): boolean {
  return ["/usr", ...SYSTEM_DIRS].some((s) => path === s || path.startsWith(s + "/"));
}

/** bubblewrap arguments that run `command` with only /usr, the Python library and start dirs (a venv) and `sandboxDir` (as /sandbox) visible. */
export function bubblewrapArgs(
  info: PythonInfo,
  sandboxDir: string,
  env: Record<string, string>,
  gpuDevices: readonly DeviceNode[] = [],
): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  for (const file of ETC_FILES) args.push("--ro-bind-try", file, file);
  // The fresh /proc, /dev and tmpfs mounts come first: a bind below /tmp (a venv there) goes on top.
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm");
  // GPU device nodes (sandbox.gpu): read-write by nature, nothing else of the host's /dev.
  for (const node of gpuDevices) args.push("--dev-bind", node.real, node.path);
  const binds = new Map<string, string>();
  for (const dir of info.libraryDirs) binds.set(dir, dir);
  // A virtualenv is started through its own (unresolved) path, so that Python finds pyvenv.cfg.
  for (const { path, real } of info.startDirs) binds.set(path, real);
  for (const [path, real] of [...binds].sort(([a], [b]) => a.length - b.length)) {
    if (!isSystemPath(path)) args.push("--ro-bind", real, path);
  }
  args.push(
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
        // Bounded: the text ends up in every report's sandbox warning.
        const out = (stdout + stderr).trim() || (error?.message ?? "");
        resolve({
          ok: !error,
          out: out.length > 300 ? `…${out.slice(-300)}` : out,
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
      const gpuDevices = opts.gpu ? gpuDeviceNodes() : [];
      if (opts.gpu && gpuDevices.length === 0)
        warnings.push(
          "sandbox.gpu is true but this machine has no /dev/nvidia* or /dev/dri: codecs run on the CPU.",
        );
      const gpuNote = gpuDevices.length
        ? `, GPU devices ${gpuDevices.map((d) => d.path).join(" ")}`
        : "";
      return {
        mode: "bubblewrap",
        bubblewrap,
        isolation: `${probe.detail}: read-only /usr and Python libraries only, private /tmp and /dev/shm, no network, new pid/ipc/uts/user namespaces, cleared environment${userNote}${gpuNote}; ${check}, ${guards}, rlimits`,
        warnings,
        gpuDevices,
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
    gpuDevices: [],
  };
}

/** What containment is in force (e.g. "bubblewrap 0.8.0: ro root, private /tmp, no network, new pid ns") and loud warnings when weaker. */
export async function describeIsolation(
  opts?: SandboxOptions,
): Promise<{ isolation: string; warnings: string[] }> {
  const resolved = await resolveIsolation(opts);
  return { isolation: resolved.isolation, warnings: resolved.warnings };
}
