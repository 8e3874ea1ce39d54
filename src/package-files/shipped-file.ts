/**
 * Files shipped with the codec-evolve package (the sandbox harness, the bundled
 * clips, the system prompt), found the same way from src/, from dist/ and from
 * a bundled Action: walk up from this module to the package root.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A shipped file is missing: the installation is incomplete. */
export class ShippedFileError extends Error {
  override name = "ShippedFileError";
}

/**
 * Absolute path of `relativePath` (e.g. "prompts/system.md") in the first
 * folder above this module that holds package.json and that file.
 */
export function shippedFile(relativePath: string, from: string = import.meta.url): string {
  const start = dirname(from.startsWith("file:") ? fileURLToPath(from) : from);
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, relativePath);
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) {
      throw new ShippedFileError(
        `${relativePath} is missing from the codec-evolve installation: no folder above ${start} holds package.json and ${relativePath}; reinstall codec-evolve or run it from its repository`,
      );
    }
  }
}
