/**
 * The GPU device nodes a codec may use when `sandbox.gpu` is true: NVIDIA's
 * (/dev/nvidia0, nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset,
 * nvidia-caps/) and the DRM render nodes (/dev/dri). Nothing else of the host's
 * /dev enters the sandbox.
 */
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";

/** A device path inside the sandbox and the host path bound there. */
export interface DeviceNode {
  path: string;
  real: string;
}

/** The GPU device nodes present under `devDir` (the host's /dev), as /dev paths for the sandbox. */
export function gpuDeviceNodes(devDir = "/dev"): DeviceNode[] {
  if (!existsSync(devDir)) return [];
  const names = readdirSync(devDir)
    .filter((name) => name.startsWith("nvidia") || name === "dri")
    .sort();
  return names.map((name) => ({ path: `/dev/${name}`, real: realpathSync(join(devDir, name)) }));
}
