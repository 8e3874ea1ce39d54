import { dirname } from "node:path";
import { shippedFile } from "../package-files/shipped-file.js";

/** The Python files of the harness, always read from src/sandbox (tsc does not copy them to dist/). */
export const HARNESS_FILES = ["harness.py", "static_check.py", "audit_guard.py"] as const;

/** Directory holding harness.py in the package (works from src/ and dist/). */
export function harnessDirectory(): string {
  return dirname(shippedFile("src/sandbox/harness.py"));
}
