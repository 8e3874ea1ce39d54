/** Reads and validates `.github/codec-evolve.yml`. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { configSchema, type Config } from "./schema.js";

export const CONFIG_PATH = ".github/codec-evolve.yml";

/** A config file that exists but cannot be used; the message names file, field and problem. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parse config text (YAML); throws ConfigError naming the file and every bad field. */
export function parseConfig(text: string, file = CONFIG_PATH): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (cause) {
    throw new ConfigError(`${file}: not valid YAML: ${(cause as Error).message}`, { cause });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  - ${issue.path.join(".") || "(top level)"}: ${issue.message}`)
      .join("\n");
    throw new ConfigError(`${file}: invalid configuration:\n${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

/**
 * Load the repository's config. A missing file means the documented defaults,
 * and `source` says so, so callers can print it rather than hide it.
 */
export async function loadConfig(
  repoDir: string,
  file = CONFIG_PATH,
): Promise<{ config: Config; source: string }> {
  const path = resolve(repoDir, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { config: configSchema.parse({}), source: `built-in defaults (no ${file})` };
    }
    throw new ConfigError(`${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  return { config: parseConfig(text, path), source: path };
}
