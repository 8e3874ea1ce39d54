import { probePython } from "./python-info.js";

/**
 * A Python 3 with numpy: opts.python, $CODEC_EVOLVE_PYTHON, /usr/bin/python3, python3 on PATH — first that imports numpy; clear error otherwise.
 */
export async function findPython(override?: string): Promise<string> {
  // An explicit choice is never silently replaced by another interpreter.
  const explicit = override ?? process.env.CODEC_EVOLVE_PYTHON;
  if (explicit) {
    try {
      return (await probePython(explicit)).executable;
    } catch (error) {
      const source = override ? "the python option" : "$CODEC_EVOLVE_PYTHON";
      throw new Error(
        `${source} names a Python that cannot import numpy: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const tried: string[] = [];
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      return (await probePython(candidate)).executable;
    } catch (error) {
      tried.push((error as Error).message);
    }
  }
  throw new Error(
    `No Python 3 with numpy found (tried: ${tried.join("; ")}). ` +
      "Install numpy (Debian: apt-get install python3-numpy python3-opencv) or point $CODEC_EVOLVE_PYTHON at a Python that has it.",
  );
}
