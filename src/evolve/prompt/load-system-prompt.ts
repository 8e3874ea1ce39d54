/**
 * The system prompt template: `prompts/system.md` shipped with the package,
 * or a user's file named by `proposer.promptTemplate`. Placeholders
 * `{{codecPath}}`, `{{allowedImports}}` and `{{protectedPaths}}` are filled in.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { PROTECTED_PREFIXES } from "../edits/protected-paths.js";
import { shippedFile } from "../../package-files/shipped-file.js";

/** The bundled template's path in the package (works from src and dist). */
export function bundledSystemPromptPath(): string {
  return shippedFile("prompts/system.md");
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
