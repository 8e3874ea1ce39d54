/**
 * A base checkout as the evaluate job sees it: the config on a tiny synthetic
 * clip (no baselines), the starter codec as parent, the PR's codec in pr-head/.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./run-action.js";

/** Create one; `candidate` is the PR's codec source, or null for the starter itself. */
export async function baseCheckout(candidate: string | null): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "ce-eval-action-"));
  await mkdir(join(root, ".github"), { recursive: true });
  await mkdir(join(root, "codec"), { recursive: true });
  await mkdir(join(root, "pr-head", "codec"), { recursive: true });
  await writeFile(
    join(root, ".github", "codec-evolve.yml"),
    "evaluation:\n  clips: ['synthetic:moving-shapes:48x32:2']\n  baselines: []\n",
  );
  const starter = join(REPO_ROOT, "codec", "evolved_codec.py");
  await copyFile(starter, join(root, "codec", "evolved_codec.py"));
  if (candidate === null)
    await copyFile(starter, join(root, "pr-head", "codec", "evolved_codec.py"));
  else await writeFile(join(root, "pr-head", "codec", "evolved_codec.py"), candidate);
  return root;
}
