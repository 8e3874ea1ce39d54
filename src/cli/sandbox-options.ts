/** The sandbox options of a command: the repository config, overridden by --python and --isolation. */
import type { SandboxConfig } from "../config/schema.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";
import { EXIT, ExitError } from "./exit-error.js";

const ISOLATION_MODES = ["auto", "bubblewrap", "none"] as const;

/** Merge flags over the config's sandbox section; an unknown --isolation is a usage error. */
export function sandboxOptions(
  config: SandboxConfig,
  flags: { python?: string; isolation?: string },
): SandboxOptions {
  const isolation = flags.isolation ?? config.isolation;
  if (!(ISOLATION_MODES as readonly string[]).includes(isolation)) {
    throw new ExitError(
      `--isolation: "${isolation}" is not ${ISOLATION_MODES.join(", ")}`,
      EXIT.usage,
    );
  }
  return {
    python: flags.python ?? config.python ?? undefined,
    allowedImports: config.allowedImports,
    isolation: isolation as SandboxOptions["isolation"],
    gpu: config.gpu,
    limits: {
      frameSeconds: config.frameSeconds,
      runSeconds: config.runSeconds,
      memoryBytes: config.memoryMiB * 2 ** 20,
    },
  };
}
