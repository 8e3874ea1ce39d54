/**
 * Python syntax check of an edited file, by Python's own parser, before any
 * evaluation is spent on it. The code is parsed, never run.
 */
import { existsSync } from "node:fs";
import { spawnInGroup } from "../../process/spawn-in-group.js";
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

/** Deadline of one syntax check: parsing a codec takes milliseconds; a stuck interpreter must not hold the loop. */
export const SYNTAX_CHECK_SECONDS = 30;

/** A syntax failure of `source` (reported as `path`), or null when it parses. */
export async function checkPythonSyntax(
  path: string,
  source: string,
  python = defaultPython(),
  timeoutSeconds = SYNTAX_CHECK_SECONDS,
): Promise<AttemptFailure | null> {
  const { code, stdout, stderr } = await runWithStdin(
    python,
    ["-c", PARSE_SCRIPT, path],
    source,
    timeoutSeconds,
  );
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
  timeoutSeconds: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { child, timedOut } = spawnInGroup(command, args, { timeoutSeconds });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) =>
      reject(new Error(`cannot run ${command} for the syntax check: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (timedOut()) {
        reject(
          new Error(
            `the python syntax check with ${command} ran longer than ${timeoutSeconds} s and was killed; is that interpreter working?`,
          ),
        );
      } else resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}
