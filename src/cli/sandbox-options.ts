/** The sandbox options of a command: the repository config, overridden by --python and --isolation. */
import type { SandboxConfig } from "../config/schema.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";

/** Merge flags (already checked by their declarations) over the config's sandbox section. */
export function sandboxOptions(
  config: SandboxConfig,
  flags: { python?: string | undefined; isolation?: SandboxOptions["isolation"] | undefined },
): SandboxOptions {
  return {
    python: flags.python ?? config.python ?? undefined,
    allowedImports: config.allowedImports,
    isolation: flags.isolation ?? config.isolation,
    gpu: config.gpu,
    limits: {
      frameSeconds: config.frameSeconds,
      runSeconds: config.runSeconds,
      cpuSeconds: config.cpuSeconds,
      memoryBytes: config.memoryMiB * 2 ** 20,
    },
  };
}
