import { execFile } from "node:child_process";

/** What the sandbox needs to know about a Python interpreter. */
export interface PythonInfo {
  /**
   * sys.executable as Python reports it, symlinks kept: a virtualenv's bin/python3 is a
   * symlink to the base interpreter, and only through the venv's own path does Python read
   * pyvenv.cfg and put the venv's site-packages on sys.path.
   */
  executable: string;
  version: string;
  numpy: string;
  /** sys.prefix, sys.base_prefix and every absolute sys.path entry, resolved: bound read-only into the sandbox. */
  libraryDirs: string[];
  /**
   * Paths the interpreter is started through, with where each really is: the venv
   * (sys.prefix unresolved, holding pyvenv.cfg), the pyvenv.cfg `home` and the directory
   * of the resolved executable. Bound read-only at their own path inside the sandbox.
   */
  startDirs: { path: string; real: string }[];
}

const PROBE = [
  "import sys, os, json",
  "assert sys.version_info >= (3, 8), 'Python 3.8 or newer is required (PEP 578 audit hooks)'",
  "import numpy",
  "dirs = {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, *sys.path] if p and os.path.isabs(p) and os.path.exists(p)}",
  "exe = os.path.abspath(sys.executable)",
  "start = [sys.prefix, os.path.dirname(exe), os.path.dirname(os.path.realpath(exe))]",
  "cfg = os.path.join(sys.prefix, 'pyvenv.cfg')",
  "if os.path.isfile(cfg):",
  "    for line in open(cfg, encoding='utf-8'):",
  "        key, _, value = line.partition('=')",
  "        if key.strip() == 'home' and os.path.isabs(value.strip()): start.append(value.strip())",
  "starts = sorted({(os.path.abspath(p), os.path.realpath(p)) for p in start if os.path.isdir(p)})",
  "print(json.dumps({'executable': exe, 'version': sys.version.split()[0], 'numpy': numpy.__version__, 'libraryDirs': sorted(dirs), 'startDirs': [{'path': p, 'real': r} for p, r in starts]}))",
].join("\n");

const cache = new Map<string, Promise<PythonInfo>>();

/** Ask an interpreter for its version, numpy and library directories; rejects when it has no numpy. */
export function probePython(python: string): Promise<PythonInfo> {
  let pending = cache.get(python);
  if (!pending) {
    pending = new Promise<PythonInfo>((resolve, reject) => {
      execFile(
        python,
        ["-s", "-c", PROBE],
        { timeout: 30_000, env: { PATH: "/usr/bin:/bin" } },
        (error, stdout, stderr) => {
          if (error) {
            const why = stderr.trim().split("\n").pop() ?? error.message;
            reject(new Error(`${python}: ${why}`));
            return;
          }
          try {
            resolve(JSON.parse(stdout) as PythonInfo);
          } catch (parseError) {
            reject(
              new Error(
                `${python}: unexpected probe output ${JSON.stringify(stdout.slice(0, 200))}`,
                { cause: parseError },
              ),
            );
          }
        },
      );
    });
    cache.set(python, pending);
    pending.catch(() => cache.delete(python));
  }
  return pending;
}
