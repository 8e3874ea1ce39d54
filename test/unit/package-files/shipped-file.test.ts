/** One walker finds every file shipped with the package, from any module below the root. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundledClipsDir } from "../../../src/evaluate/clips/load-clip.js";
import { bundledSystemPromptPath } from "../../../src/evolve/prompt/load-system-prompt.js";
import { ShippedFileError, shippedFile } from "../../../src/package-files/shipped-file.js";
import { harnessDirectory } from "../../../src/sandbox/package-root.js";

describe("shippedFile", () => {
  it("finds the harness, the clips and the prompt in this checkout", () => {
    const root = process.cwd();
    expect(harnessDirectory()).toBe(join(root, "src", "sandbox"));
    expect(bundledClipsDir()).toBe(join(root, "clips"));
    expect(bundledSystemPromptPath()).toBe(join(root, "prompts", "system.md"));
  });

  it("walks up from a bundled module to the nearest folder with package.json and the file", async () => {
    const root = await mkdtemp(join(tmpdir(), "ce-shipped-"));
    await mkdir(join(root, "action", "dist"), { recursive: true });
    await mkdir(join(root, "prompts"));
    await writeFile(join(root, "package.json"), "{}");
    await writeFile(join(root, "prompts", "system.md"), "x");
    // A folder with the file but no package.json is not the package root.
    await mkdir(join(root, "action", "prompts"));
    await writeFile(join(root, "action", "prompts", "system.md"), "decoy");
    const from = pathToFileURL(join(root, "action", "dist", "index.js")).href;
    expect(shippedFile("prompts/system.md", from)).toBe(join(root, "prompts", "system.md"));
    expect(() => shippedFile("clips/README.md", from)).toThrow(ShippedFileError);
    expect(() => shippedFile("clips/README.md", from)).toThrow(/clips\/README\.md is missing/);
  });
});
