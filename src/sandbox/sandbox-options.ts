/**
 * How a candidate codec is contained: resource limits, the allowed imports and
 * the isolation mode. Defaults are sized for 1080p codecs written in numpy.
 */

/** Limits applied to each sandboxed process (one encoder or one decoder run). */
export interface SandboxLimits {
  /** Wall-clock seconds for one compress/decompress call (enforced by the host, kills the process group). */
  frameSeconds: number;
  /** Wall-clock seconds for one whole encoder or decoder process. */
  runSeconds: number;
  /** Address-space limit (RLIMIT_AS) of the harness process, bytes. */
  memoryBytes: number;
  /** CPU seconds (RLIMIT_CPU) of the harness process. */
  cpuSeconds: number;
  /** Largest payload one compress call may return, bytes (never more than twice the raw frame plus 64 KiB). */
  payloadBytesPerFrame: number;
  /** Codec stdout/stderr kept for failure reports, bytes; Python-level prints beyond it are dropped. */
  logBytes: number;
  /** Largest file the process may write (RLIMIT_FSIZE), bytes. */
  fileBytes: number;
  /** Processes and threads (RLIMIT_NPROC); only enforced inside bubblewrap's user namespace or for a dedicated uid. */
  processes: number;
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number;
  /** Wall-clock seconds to start Python, import the libraries and load the codec. */
  loadSeconds?: number;
}

/**
 * Limits used when the caller gives none: the one source of the sandbox
 * defaults (the config schema's defaults are derived from these).
 */
export const DEFAULT_LIMITS: SandboxLimits = {
  frameSeconds: 60,
  runSeconds: 1800,
  memoryBytes: 4 * 1024 ** 3,
  // Twice runSeconds: numpy and torch threads can spend more CPU time than wall time.
  cpuSeconds: 3600,
  payloadBytesPerFrame: 32 * 1024 ** 2,
  logBytes: 64 * 1024,
  fileBytes: 16 * 1024 ** 2,
  processes: 64,
  openFiles: 256,
  loadSeconds: 60,
};

/** Modules a codec may import (DESIGN.md); everything else is refused before the code runs. */
export const DEFAULT_ALLOWED_IMPORTS: readonly string[] = [
  "numpy",
  "cv2",
  "torch",
  "torchvision",
  "math",
  "json",
  "struct",
  "base64",
  "typing",
  "zlib",
  "lzma",
  "bz2",
  "heapq",
  "itertools",
  "functools",
  "collections",
  "dataclasses",
];

export interface SandboxOptions {
  /** Python 3 with numpy; see findPython for the search order. */
  python?: string;
  allowedImports?: readonly string[];
  limits?: Partial<SandboxLimits>;
  /** "auto": bubblewrap when it can run, else process-level guards with loud warnings. */
  isolation?: "auto" | "bubblewrap" | "none";
  /** The bubblewrap executable; default "bwrap" on PATH. */
  bubblewrap?: string;
  /**
   * Let codecs use the GPU: bind /dev/nvidia* and /dev/dri into bubblewrap, and limit
   * memory with RLIMIT_DATA instead of RLIMIT_AS (CUDA reserves far more address space
   * than it uses). GPU memory and time are not limited.
   */
  gpu?: boolean;
  /**
   * Layer switches for tests and the overhead benchmark only: turning one off
   * proves the other layers catch an attack on their own. Never set in reports.
   */
  layers?: { staticCheck?: boolean; runtimeGuards?: boolean };
}

/** The limits in force: the caller's over the defaults. */
export function resolveLimits(limits: Partial<SandboxLimits> | undefined): Required<SandboxLimits> {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  return { ...merged, loadSeconds: merged.loadSeconds ?? DEFAULT_LIMITS.loadSeconds ?? 60 };
}
