/**
 * Python syntax check of an edited file, by Python's own parser, before any
 * evaluation is spent on it. The code is parsed, never run.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { AttemptFailure } from "./proposal-failure.js";

const PARSE_SCRIPT = [
  "import ast, json, sys",
  "src = sys.stdin.read()",
  "try:",
  "    ast.parse(src, sys.argv[1])",
  "except SyntaxError as e:",
  "    print(json.dumps({'line': e.lineno, 'message': f'{e.msg} (line {e.lineno}): {(e.text or \"\").strip()}'}))",
  "    sys.exit(1)",
].join("\n");

/** The Python used for syntax checks: the configured one, else Debian's, else python3 on PATH. */
export function defaultPython(configured?: string | null): string {
  if (configured) return configured;
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/** A syntax failure of `source` (reported as `path`), or null when it parses. */
export async function checkPythonSyntax(
  path: string,
  source: string,
  python = defaultPython(),
): Promise<AttemptFailure | null> {
  const { code, stdout, stderr } = await runWithStdin(python, ["-c", PARSE_SCRIPT, path], source);
  if (code === 0) return null;
  try {
    const parsed = JSON.parse(stdout.trim()) as { line: number | null; message: string };
    return {
      category: "syntax",
      message: `${path}: ${parsed.message}`,
      line: parsed.line ?? null,
      stage: "edit",
    };
  } catch {
    throw new Error(
      `python syntax check with ${python} failed to run: ${stderr.trim() || `exit ${code}`}`,
    );
  }
}

function runWithStdin(
  command: string,
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) =>
      reject(new Error(`cannot run ${command} for the syntax check: ${error.message}`)),
    );
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}
