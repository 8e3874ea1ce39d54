/**
 * The hostile-codec corpus: every file in test/attacks/*.py is a real attack,
 * listed here with the failure category it must end in and a proof that it had
 * no effect. Each attack runs with every layer on; where a layer alone should
 * stop it, it also runs with the other layers off:
 *   - "hook":  static check off, no OS sandbox: the audit hook, restricted
 *              builtins, cleared environment and rlimits on their own;
 *   - "os":    static check and audit hook off: bubblewrap and rlimits alone
 *              (skipped where bubblewrap cannot run).
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clip, Frame } from "../../src/evaluate/clips/clip.js";
import { syntheticClip } from "../../src/evaluate/clips/synthetic.js";
import { evaluateCodec } from "../../src/evaluate/evaluator.js";
import type { Failure, FailureCategory } from "../../src/evaluate/results.js";
import type { CodecConfig } from "../../src/sandbox/codec-config.js";
import { findPython } from "../../src/sandbox/find-python.js";
import { resolveIsolation } from "../../src/sandbox/isolation.js";
import { decodePayloads, encodeFrames } from "../../src/sandbox/run-codec.js";
import type { SandboxOptions } from "../../src/sandbox/sandbox-options.js";
import { configFor, gradientFrames } from "../unit/sandbox/frames.js";

const ATTACKS = [
  "file_read_open",
  "file_write_open",
  "file_read_numpy_fromfile",
  "file_write_numpy_save",
  "file_write_tofile",
  "file_read_numpy_memmap",
  "file_read_cv2_imread",
  "file_write_cv2_imwrite",
  "file_cv2_filestorage",
  "file_cv2_videowriter",
  "file_pickle",
  "file_torch_save",
  "file_torch_load",
  "file_lzma_open",
  "env_read_os_environ",
  "env_via_numpy_module",
  "proc_environ",
  "proc_via_numpy_loadtxt",
  "socket_connect",
  "socket_via_dunder_import",
  "subprocess_popen",
  "os_system",
  "os_popen_via_numpy",
  "os_posix_spawn",
  "os_exec",
  "os_fork",
  "fork_bomb",
  "kill_parent",
  "signal_tamper",
  "importlib_route",
  "builtins_by_runtime_string",
  "getattr_runtime_string",
  "subclasses_escape",
  "format_string_escape",
  "frame_walk",
  "ctypes_libc",
  "gc_harness_objects",
  "close_protocol_fds",
  "forge_protocol_fd",
  "print_forged_message",
  "memory_bomb_numpy",
  "memory_bomb_growth",
  "infinite_loop_encoder",
  "infinite_loop_decoder",
  "infinite_loop_at_import",
  "hanging_exception_str",
  "recursion_bomb",
  "exit_harness",
  "huge_payload",
  "huge_print",
  "native_output_flood",
  "wrong_shape",
  "wrong_dtype_float",
  "nan_output",
  "non_bytes_payload",
  "bytes_subclass_payload",
  "empty_payload",
  "ndarray_subclass_output",
  "syntax_error",
  "missing_decoder",
  "smuggle_module_global",
  "smuggle_class_attribute",
  "smuggle_numpy_attribute",
  "smuggle_temp_file",
  "smuggle_env",
  "smuggle_shared_memory",
  "regenerate_synthetic",
  "ignore_input_decoder",
  "nondeterministic_decoder",
  "nondeterministic_address",
  "rlimit_raise",
  "breakpoint_debugger",
  "file_cv2_dnn_readnet",
  "alias_reassignment",
  "torch_hub_download",
  "typing_eval_escape",
  "strided_memory_scan",
  "signal_stop_parent",
  "signal_kill_group",
  "decoder_reads_source_clip",
  "file_cv2_face_write",
  "proc_self_maps",
  "fake_clock",
] as const;
type AttackName = (typeof ATTACKS)[number];

/** "ok": the runner finished without a failure (the attack was contained another way, see proofs). */
type Outcome = FailureCategory | "ok";

/** What must be true after the attack ran. */
type Proof =
  | "no-file" // nothing it tried to write exists on the host
  | "no-secret" // the canary (env var, file) appears nowhere in failures, payloads or frames
  | "no-connection" // the local TCP server got no connection
  | "grey-decode" // the decoder got nothing smuggled: it fell back to its flat grey frame
  | "log-bounded" // the codec's output in the failure is bounded
  | "payloads-honest" // payloads are what the codec returned, not a forged message
  | "timing-honest"; // every encode call was timed (wall and CPU) with the work it did

interface AttackCase {
  attack: AttackName;
  /** With every layer on. */
  category: Outcome;
  /** Audit hook, restricted builtins and rlimits alone (static check off, no OS sandbox). */
  hook?: Outcome;
  /** bubblewrap and rlimits alone (static check and audit hook off). */
  os?: Outcome;
  /** The whole evaluation's verdict, for attacks on the scoring. */
  evaluation?: { category: FailureCategory; clip: "gradient" | "noise" };
  proofs: Proof[];
  /** Imports torch: slow to load (seconds of CPU), so it gets TORCH_LIMITS. */
  needsTorch?: boolean;
}

const SECRET_PROOFS: Proof[] = ["no-secret"];
const WRITE_PROOFS: Proof[] = ["no-file"];

const CASES: AttackCase[] = [
  {
    attack: "file_read_open",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "file_write_open",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "file_read_numpy_fromfile",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "file_write_numpy_save",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "file_write_tofile",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "file_read_numpy_memmap",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: SECRET_PROOFS,
  },
  // native reads and writes raise no audit event: only the static check and the OS layer stop them
  {
    attack: "file_read_cv2_imread",
    category: "forbidden",
    os: "invalid-output",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "file_write_cv2_imwrite",
    category: "forbidden",
    os: "invalid-output",
    proofs: WRITE_PROOFS,
  },
  { attack: "file_cv2_filestorage", category: "forbidden", os: "runtime", proofs: WRITE_PROOFS },
  {
    attack: "file_cv2_videowriter",
    category: "forbidden",
    os: "invalid-output",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "file_pickle",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  // torch.save writes through C++ (torch._C.PyTorchFileWriter), which raises no audit event:
  // like cv2.imwrite, the hook layer alone cannot see it; the static check and bubblewrap stop it.
  {
    attack: "file_torch_save",
    category: "forbidden",
    os: "runtime",
    proofs: WRITE_PROOFS,
    needsTorch: true,
  },
  {
    attack: "file_torch_load",
    category: "forbidden",
    hook: "sandbox-violation",
    proofs: SECRET_PROOFS,
    needsTorch: true,
  },
  {
    attack: "file_lzma_open",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "env_read_os_environ",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "invalid-output",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "env_via_numpy_module",
    category: "forbidden",
    hook: "invalid-output",
    os: "invalid-output",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "proc_environ",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "proc_via_numpy_loadtxt",
    category: "forbidden",
    hook: "sandbox-violation",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "socket_connect",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: ["no-connection"],
  },
  {
    attack: "socket_via_dunder_import",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: ["no-connection"],
  },
  {
    attack: "subprocess_popen",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "os_system",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "os_popen_via_numpy",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "invalid-output",
    proofs: ["no-file", "no-secret"],
  },
  {
    attack: "os_posix_spawn",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "os_exec",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "os_fork",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "fork_bomb",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "timeout",
    proofs: [],
  },
  { attack: "kill_parent", category: "forbidden", hook: "sandbox-violation", os: "ok", proofs: [] },
  {
    attack: "signal_tamper",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: [],
  },
  {
    attack: "importlib_route",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "builtins_by_runtime_string",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: SECRET_PROOFS,
  },
  {
    attack: "getattr_runtime_string",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "subclasses_escape",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  { attack: "format_string_escape", category: "forbidden", hook: "ok", proofs: SECRET_PROOFS },
  { attack: "frame_walk", category: "forbidden", hook: "sandbox-violation", os: "ok", proofs: [] },
  {
    attack: "ctypes_libc",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "gc_harness_objects",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "sandbox-violation",
    proofs: [],
  },
  {
    attack: "close_protocol_fds",
    category: "forbidden",
    hook: "runtime",
    os: "runtime",
    proofs: [],
  },
  {
    attack: "forge_protocol_fd",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "sandbox-violation",
    proofs: [],
  },
  {
    attack: "print_forged_message",
    category: "invalid-output",
    hook: "invalid-output",
    os: "invalid-output",
    proofs: ["payloads-honest"],
  },
  {
    attack: "fake_clock",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: ["timing-honest"],
  },
  { attack: "memory_bomb_numpy", category: "memory", hook: "memory", os: "memory", proofs: [] },
  { attack: "memory_bomb_growth", category: "memory", hook: "memory", os: "memory", proofs: [] },
  {
    attack: "infinite_loop_encoder",
    category: "timeout",
    hook: "timeout",
    os: "timeout",
    proofs: [],
  },
  { attack: "infinite_loop_decoder", category: "timeout", proofs: [] },
  { attack: "infinite_loop_at_import", category: "timeout", proofs: [] },
  { attack: "hanging_exception_str", category: "timeout", proofs: [] },
  { attack: "recursion_bomb", category: "runtime", proofs: [] },
  { attack: "exit_harness", category: "runtime", proofs: [] },
  { attack: "huge_payload", category: "invalid-output", proofs: [] },
  {
    attack: "huge_print",
    category: "invalid-output",
    hook: "invalid-output",
    os: "invalid-output",
    proofs: ["log-bounded"],
  },
  {
    attack: "native_output_flood",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "sandbox-violation",
    proofs: ["log-bounded"],
  },
  { attack: "wrong_shape", category: "invalid-output", proofs: [] },
  { attack: "wrong_dtype_float", category: "invalid-output", proofs: [] },
  { attack: "nan_output", category: "invalid-output", proofs: [] },
  { attack: "non_bytes_payload", category: "invalid-output", proofs: [] },
  { attack: "bytes_subclass_payload", category: "invalid-output", proofs: [] },
  { attack: "empty_payload", category: "invalid-output", proofs: [] },
  { attack: "ndarray_subclass_output", category: "invalid-output", proofs: [] },
  { attack: "syntax_error", category: "syntax", proofs: [] },
  { attack: "missing_decoder", category: "missing-function", proofs: [] },
  {
    attack: "smuggle_module_global",
    category: "ok",
    evaluation: { category: "quality-floor", clip: "gradient" },
    proofs: ["grey-decode"],
  },
  {
    attack: "smuggle_class_attribute",
    category: "ok",
    evaluation: { category: "quality-floor", clip: "gradient" },
    proofs: ["grey-decode"],
  },
  {
    attack: "smuggle_numpy_attribute",
    category: "ok",
    evaluation: { category: "quality-floor", clip: "gradient" },
    proofs: ["grey-decode"],
  },
  {
    attack: "smuggle_temp_file",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: [],
  },
  {
    attack: "smuggle_env",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: ["grey-decode"],
  },
  {
    attack: "smuggle_shared_memory",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: [],
  },
  {
    attack: "regenerate_synthetic",
    category: "ok",
    evaluation: { category: "quality-floor", clip: "noise" },
    proofs: [],
  },
  {
    attack: "ignore_input_decoder",
    category: "ok",
    evaluation: { category: "quality-floor", clip: "gradient" },
    proofs: ["grey-decode"],
  },
  {
    attack: "nondeterministic_decoder",
    category: "ok",
    evaluation: { category: "nondeterministic", clip: "gradient" },
    proofs: [],
  },
  {
    attack: "nondeterministic_address",
    category: "ok",
    evaluation: { category: "nondeterministic", clip: "gradient" },
    proofs: [],
  },
  {
    attack: "rlimit_raise",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: [],
  },
  { attack: "breakpoint_debugger", category: "forbidden", hook: "sandbox-violation", proofs: [] },
  { attack: "file_cv2_dnn_readnet", category: "forbidden", os: "runtime", proofs: SECRET_PROOFS },
  {
    attack: "alias_reassignment",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: WRITE_PROOFS,
  },
  {
    attack: "torch_hub_download",
    category: "forbidden",
    hook: "sandbox-violation",
    proofs: [],
    needsTorch: true,
  },
  {
    attack: "typing_eval_escape",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: WRITE_PROOFS,
  },
  { attack: "strided_memory_scan", category: "forbidden", proofs: SECRET_PROOFS },
  {
    attack: "signal_stop_parent",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: [],
  },
  // a SIGKILL death is reported as "memory": the host cannot tell the OOM killer from a self-kill
  {
    attack: "signal_kill_group",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "memory",
    proofs: [],
  },
  {
    attack: "decoder_reads_source_clip",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "runtime",
    proofs: [],
  },
  { attack: "file_cv2_face_write", category: "forbidden", os: "runtime", proofs: WRITE_PROOFS },
  // torch may read its own map while it loads; codec code never may. bubblewrap alone lets it
  // through, and then the map shows only the sandbox's own process.
  {
    attack: "proc_self_maps",
    category: "forbidden",
    hook: "sandbox-violation",
    os: "ok",
    proofs: ["no-secret"],
  },
];

const here = dirname(fileURLToPath(import.meta.url));
const LIMITS = {
  frameSeconds: 2,
  runSeconds: 10,
  loadSeconds: 8,
  memoryBytes: 1024 ** 3,
  cpuSeconds: 20,
  payloadBytesPerFrame: 1024 * 1024,
  logBytes: 16 * 1024,
};
/** `import torch` costs about 2 s of CPU, and has taken 10 s of wall time on a loaded 2-core box. */
const TORCH_LIMITS = { ...LIMITS, loadSeconds: 90, runSeconds: 120 };
/** Every attack run must end well within this (a hang would hit jest's timeout instead). */
const BOUND_MS = 20_000;
const TORCH_BOUND_MS = 100_000;
const FLOOR_DB = 20;

const bubblewrap = (await resolveIsolation({ isolation: "auto" })).mode === "bubblewrap";
const python = await findPython();
const torchProbe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });

/** it.concurrent starts many tests at once; two sandboxes at a time keep a 2-core CI box responsive. */
const slots = { free: 2, waiting: [] as (() => void)[] };
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free--;
  try {
    return await work();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

type Variant = "all" | "hook" | "os";
const VARIANT_OPTIONS: Record<Variant, SandboxOptions> = {
  all: { limits: LIMITS },
  hook: { limits: LIMITS, isolation: "none", layers: { staticCheck: false } },
  os: {
    limits: LIMITS,
    isolation: "bubblewrap",
    layers: { staticCheck: false, runtimeGuards: false },
  },
};

interface RunResult {
  outcome: Outcome;
  failure: Failure | null;
  payloads: Buffer[];
  frames: Frame[];
  elapsedMs: number;
  /** Per encode call: the codec's wall-clock and CPU seconds as the harness reported them. */
  encodeSeconds: number[];
  encodeCpuSeconds: number[];
}

let workDir = "";
let secret = "";
let canaryFile = "";
let canaryImage = "";
let sourceFrames = "";
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "codec-evolve-attacks-"));
  // Readable and writable by the sandbox's uid: only the guards may stop the attacks, not file modes.
  chmodSync(workDir, 0o777);
  mkdirSync(join(workDir, "out"), { mode: 0o777 });
  chmodSync(join(workDir, "out"), 0o777);
  secret = `CANARY-${randomUUID()}`;
  process.env.CODEC_EVOLVE_CANARY = secret;
  canaryFile = join(workDir, "secret.txt");
  writeFileSync(canaryFile, secret, { mode: 0o644 });
  // A PGM image whose pixels are the secret, for native readers (cv2.imread).
  canaryImage = join(workDir, "secret.pgm");
  writeFileSync(
    canaryImage,
    Buffer.concat([Buffer.from(`P5\n${secret.length} 1\n255\n`), Buffer.from(secret)]),
    { mode: 0o644 },
  );
  // The source frames as the evaluator's --recon folder holds them: what a cheating decoder wants.
  sourceFrames = join(workDir, "gradient.source.rgb");
  writeFileSync(sourceFrames, Buffer.concat(gradientFrames(3).map((f) => f.data)), { mode: 0o644 });
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  delete process.env.CODEC_EVOLVE_CANARY;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(workDir, { recursive: true, force: true });
});

function outPathFor(attack: AttackName, variant: Variant): string {
  return join(workDir, "out", `${attack}.${variant}`);
}

function configForAttack(
  frames: readonly Frame[],
  attack: AttackName,
  variant: Variant,
): CodecConfig {
  return configFor(frames, {
    canaryFile,
    canaryImage,
    sourceFrames,
    outPath: outPathFor(attack, variant),
    port,
  });
}

async function runAttack(
  attack: AttackName,
  variant: Variant,
  frames: readonly Frame[],
): Promise<RunResult> {
  const codecPath = join(here, `${attack}.py`);
  const config = configForAttack(frames, attack, variant);
  const torch = CASES.find((c) => c.attack === attack)?.needsTorch === true;
  const opts = { ...VARIANT_OPTIONS[variant], ...(torch ? { limits: TORCH_LIMITS } : {}) };
  const started = performance.now();
  const done = (
    outcome: Outcome,
    failure: Failure | null,
    payloads: Buffer[],
    decoded: Frame[],
    times: { callSeconds?: number[]; callCpuSeconds?: number[] } = {},
  ): RunResult => ({
    outcome,
    failure,
    payloads,
    frames: decoded,
    elapsedMs: performance.now() - started,
    encodeSeconds: times.callSeconds ?? [],
    encodeCpuSeconds: times.callCpuSeconds ?? [],
  });
  const encoded = await encodeFrames(codecPath, frames, config, opts);
  if (!encoded.ok) return done(encoded.failure.category, encoded.failure, [], []);
  const decoded = await decodePayloads(codecPath, encoded.payloads, config, opts);
  if (!decoded.ok)
    return done(decoded.failure.category, decoded.failure, encoded.payloads, [], encoded);
  return done("ok", null, encoded.payloads, decoded.frames, encoded);
}

function checkProofs(
  testCase: AttackCase,
  variant: Variant,
  result: RunResult,
  frames: readonly Frame[],
): void {
  expect(result.elapsedMs).toBeLessThan(testCase.needsTorch ? TORCH_BOUND_MS : BOUND_MS);
  for (const proof of testCase.proofs) {
    switch (proof) {
      case "no-file": {
        const out = outPathFor(testCase.attack, variant);
        for (const path of [
          out,
          `${out}.npy`,
          `${out}.npz`,
          `${out}.png`,
          `${out}.yml`,
          `${out}.avi`,
          "/tmp/codec-evolve-pwned",
        ]) {
          expect(existsSync(path)).toBe(false);
        }
        break;
      }
      case "no-secret": {
        const needle = Buffer.from(secret);
        const haystacks = [
          Buffer.from(JSON.stringify(result.failure ?? {})),
          ...result.payloads,
          ...result.frames.map((f) => Buffer.from(f.data)),
        ];
        for (const hay of haystacks) expect(hay.includes(needle)).toBe(false);
        break;
      }
      case "no-connection":
        expect(connections).toBe(0);
        break;
      case "grey-decode":
        if (result.outcome === "ok") {
          for (const frame of result.frames) expect(frame.data.every((v) => v === 128)).toBe(true);
        }
        break;
      case "log-bounded":
        expect((result.failure?.log ?? "").length).toBeLessThan(LIMITS.logBytes + 200);
        break;
      case "timing-honest":
        // Stopped before encoding: nothing was timed. Else 60 square roots of 200,000
        // doubles per frame take milliseconds on any machine.
        if (result.outcome !== "ok") break;
        expect(result.encodeSeconds).toHaveLength(frames.length);
        expect(result.encodeCpuSeconds).toHaveLength(frames.length);
        for (const seconds of [...result.encodeSeconds, ...result.encodeCpuSeconds])
          expect(seconds).toBeGreaterThan(0.002);
        break;
      case "payloads-honest":
        result.payloads.forEach((payload, i) =>
          expect(payload.equals(Buffer.from(frames[i]!.data))).toBe(true),
        );
        break;
    }
  }
}

describe("hostile-codec corpus", () => {
  it("lists every attack file exactly once", () => {
    const files = readdirSync(here)
      .filter((f) => f.endsWith(".py"))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(files).toEqual([...ATTACKS].sort());
    expect(CASES.map((c) => c.attack).sort()).toEqual([...ATTACKS].sort());
    expect(ATTACKS.length).toBeGreaterThanOrEqual(40);
  });

  it("has torch to attack with (Debian's python3-torch, installed by scripts/setup.sh --test)", () => {
    expect(torchProbe.stderr.trim().split("\n").pop() ?? "").toBe("");
    expect(torchProbe.status).toBe(0);
  });

  const frames = gradientFrames(3);
  for (const testCase of CASES) {
    const variants: [Variant, Outcome | undefined][] = [
      ["all", testCase.category],
      ["hook", testCase.hook],
      ["os", testCase.os],
    ];
    for (const [variant, expected] of variants) {
      if (expected === undefined) continue;
      const runnable = variant !== "os" || bubblewrap;
      const name = `${testCase.attack} [${variant}] -> ${expected}`;
      (runnable ? it.concurrent : it.skip)(name, async () => {
        const result = await inSlot(() => runAttack(testCase.attack, variant, frames));
        if (result.outcome !== expected) {
          throw new Error(
            `${name}: got ${result.outcome}: ${JSON.stringify(result.failure, null, 1)?.slice(0, 1500)}`,
          );
        }
        if (result.failure) {
          expect(result.failure.message.length).toBeGreaterThan(0);
          expect(result.failure.stage).toMatch(/^(validate|encode|decode)$/);
        }
        if (process.env.ATTACKS_DEBUG)
          process.stderr.write(
            `MSG ${name}: ${result.failure?.message ?? "ok"} @${result.failure?.line}\n`,
          );
        checkProofs(testCase, variant, result, frames);
      });
    }
  }
});

function gradientClip(): Clip {
  const clipFrames = gradientFrames(3);
  return {
    name: "gradient",
    width: 32,
    height: 32,
    fps: 25,
    frames: clipFrames,
    source: { kind: "synthetic", generator: "gradient", seed: 0 },
  };
}

describe("attacks on the scoring, judged by the whole evaluation", () => {
  for (const testCase of CASES.filter((c) => c.evaluation)) {
    const evaluation = testCase.evaluation!;
    it.concurrent(`${testCase.attack} -> ${evaluation.category}`, async () => {
      // A fresh seed per evaluation, as the evaluator does: the codec cannot know it.
      const seed = Math.floor(Math.random() * 2 ** 31);
      const clip =
        evaluation.clip === "noise"
          ? syntheticClip("noise", { width: 32, height: 32, frames: 3, seed })
          : gradientClip();
      const result = await inSlot(() =>
        evaluateCodec({
          codecPath: join(here, `${testCase.attack}.py`),
          clips: [clip],
          qualities: [50],
          baselines: [],
          sandbox: { limits: LIMITS },
          qualityFloorDb: FLOOR_DB,
        }),
      );
      expect(result.status).toBe("failed");
      expect(result.failure?.category).toBe(evaluation.category);
    });
  }
});
