import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { trackGroup } from "../process/process-groups.js";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoundedLog } from "./bounded-log.js";
import {
  bubblewrapArgs,
  sandboxEnvironment,
  sandboxUser,
  type ResolvedIsolation,
} from "./isolation.js";
import { HARNESS_FILES, harnessDirectory } from "./package-root.js";
import {
  encodeMessage,
  MessageReader,
  type HarnessMessage,
  type HostMessageKind,
} from "./protocol.js";
import type { PythonInfo } from "./python-info.js";

/** What the host saw next from the harness. */
export type HarnessEvent =
  | { type: "message"; message: HarnessMessage }
  | { type: "timeout" }
  | { type: "violation"; reason: string }
  | { type: "exit"; code: number | null; signal: NodeJS.Signals | null; spawnError?: string };

export interface HarnessLaunch {
  codecPath: string;
  python: PythonInfo;
  isolation: ResolvedIsolation;
  /** Bytes of codec output kept for reports; ten times this much ends the run as a flood. */
  logBytes: number;
  /** Largest message body the harness may send. */
  maxMessageBytes: number;
}

/**
 * One sandboxed harness process. The host owns its lifetime: every wait has a
 * deadline, and ending it kills the whole process group, not just the leader.
 */
export class HarnessProcess {
  readonly codecFile: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly workDir: string;
  private readonly reader: MessageReader;
  private readonly log: BoundedLog;
  private readonly floodBytes: number;
  private readonly queue: HarnessEvent[] = [];
  private waiter: ((event: HarnessEvent) => void) | null = null;
  private ended: HarnessEvent | null = null;
  private stdoutDone = false;
  private exitInfo: HarnessEvent | null = null;
  private failed = false;

  constructor(launch: HarnessLaunch) {
    // A fresh directory per process: the harness files and a copy of the codec, nothing shared.
    this.workDir = mkdtempSync(join(tmpdir(), "codec-evolve-sandbox-"));
    chmodSync(this.workDir, 0o755);
    const source = harnessDirectory();
    for (const file of HARNESS_FILES) this.install(join(source, file), file);
    this.install(launch.codecPath, "codec.py");

    const env = sandboxEnvironment();
    const inside = launch.isolation.mode === "bubblewrap" ? "/sandbox" : this.workDir;
    this.codecFile = join(inside, "codec.py");
    const pythonArgs = [launch.python.executable, "-s", "-B", join(inside, "harness.py")];
    const [command, ...args] =
      launch.isolation.mode === "bubblewrap"
        ? [
            launch.isolation.bubblewrap,
            ...bubblewrapArgs(launch.python, this.workDir, env, launch.isolation.gpuDevices),
            ...pythonArgs,
          ]
        : pythonArgs;
    this.child = spawn(command!, args, {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env,
      cwd: this.workDir,
      ...sandboxUser(),
    });
    trackGroup(this.child); // a second Ctrl-C kills the codec's group before the CLI exits

    this.reader = new MessageReader(launch.maxMessageBytes);
    this.log = new BoundedLog(launch.logBytes);
    this.floodBytes = Math.max(launch.logBytes * 10, 1024 * 1024);
    this.child.stdout.on("data", (chunk: Buffer) => this.onStdout(chunk));
    this.child.stdout.on("end", () => {
      this.stdoutDone = true;
      this.maybeEnd();
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.log.append(chunk);
      if (this.log.total > this.floodBytes)
        this.abort({
          type: "violation",
          reason: `the codec wrote more than ${this.floodBytes} bytes to stdout/stderr`,
        });
    });
    // The harness may exit (or be killed) while we write: EPIPE is an exit, reported by "exit".
    this.child.stdin.on("error", () => undefined);
    this.child.on("error", (error) => {
      this.exitInfo = { type: "exit", code: null, signal: null, spawnError: error.message };
      this.stdoutDone = true;
      this.maybeEnd();
    });
    this.child.on("exit", (code, signal) => {
      this.exitInfo = { type: "exit", code, signal };
      this.killGroup(); // strays of the codec die with it
      // a descendant that kept stdout open must not keep us waiting
      setTimeout(() => {
        this.stdoutDone = true;
        this.maybeEnd();
      }, 2000).unref();
      this.maybeEnd();
    });
  }

  /** Bytes the codec printed (bounded: head and tail). */
  logText(): string {
    return this.log.text();
  }

  /** Send one message; a dead harness is noticed by next(). */
  send(kind: HostMessageKind, body: Uint8Array): void {
    if (this.ended || this.child.stdin.destroyed) return;
    this.child.stdin.write(encodeMessage(kind, body));
  }

  /** The next message, or how the process ended, or a timeout after `seconds` (which kills it). */
  next(seconds: number): Promise<HarnessEvent> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.abort({ type: "timeout" }), Math.max(1, seconds * 1000));
      this.waiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }

  /** Kill the process group and remove the work directory. */
  dispose(): void {
    // after the leader exited its pid may be reused: the exit handler already killed the group
    if (!this.exitInfo) this.killGroup();
    this.child.stdin.destroy();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private install(from: string, name: string): void {
    const to = join(this.workDir, name);
    copyFileSync(from, to);
    chmodSync(to, 0o644);
  }

  private onStdout(chunk: Buffer): void {
    if (this.failed) return;
    let messages: HarnessMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.abort({ type: "violation", reason: `protocol violation: ${(error as Error).message}` });
      return;
    }
    for (const message of messages) this.emit({ type: "message", message });
  }

  private emit(event: HarnessEvent): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter(event);
    } else {
      this.queue.push(event);
    }
  }

  private abort(event: HarnessEvent): void {
    if (this.failed) return;
    this.failed = true;
    this.killGroup();
    this.ended = event;
    this.queue.length = 0;
    this.emit(event);
  }

  private maybeEnd(): void {
    if (this.ended || !this.stdoutDone || !this.exitInfo) return;
    this.ended = this.exitInfo;
    this.emit(this.exitInfo);
  }

  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
