import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Python files of the harness, always read from src/sandbox (tsc does not copy them to dist/). */
export const HARNESS_FILES = ["harness.py", "static_check.py", "audit_guard.py"] as const;

/** Directory holding harness.py: walks up from this module to the package root (works from src/ and dist/). */
export function harnessDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (
      existsSync(join(dir, "package.json")) &&
      existsSync(join(dir, "src", "sandbox", "harness.py"))
    ) {
      return join(dir, "src", "sandbox");
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        "codec-evolve: cannot find src/sandbox/harness.py above " + fileURLToPath(import.meta.url),
      );
    }
    dir = parent;
  }
}
