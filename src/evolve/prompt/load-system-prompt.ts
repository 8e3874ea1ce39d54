/**
 * The system prompt template: `prompts/system.md` shipped with the package,
 * or a user's file named by `proposer.promptTemplate`. Placeholders
 * `{{codecPath}}`, `{{allowedImports}}` and `{{protectedPaths}}` are filled in.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PROTECTED_PREFIXES } from "../edits/protected-paths.js";

/** The bundled template's path, found by walking up from this module (works from src and dist). */
export function bundledSystemPromptPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "prompts", "system.md");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("prompts/system.md is missing from the codec-evolve installation");
}

/** Read the template (the override when given, relative to `repoDir`). */
export async function loadSystemPromptTemplate(
  override: string | null,
  repoDir: string,
): Promise<string> {
  const path = override ? resolve(repoDir, override) : bundledSystemPromptPath();
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the system prompt template ${path}${override ? " (proposer.promptTemplate)" : ""}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Fill the template's placeholders; unknown placeholders are left as written. */
export function renderSystemPrompt(
  template: string,
  values: { codecPath: string; allowedImports: readonly string[] },
): string {
  const filled: Record<string, string> = {
    codecPath: values.codecPath,
    allowedImports: values.allowedImports.join(", "),
    protectedPaths: PROTECTED_PREFIXES.map((prefix) => `${prefix}**`).join(", "),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => filled[name] ?? whole);
}
