/** The webhook payload of the running workflow (GITHUB_EVENT_PATH), parsed. */
import { readFile } from "node:fs/promises";

/** The event name and payload; an empty payload when the runner gives none (local runs). */
export async function readEvent(): Promise<{ name: string; payload: unknown }> {
  const name = process.env.GITHUB_EVENT_NAME ?? "";
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path) return { name, payload: {} };
  try {
    return { name, payload: JSON.parse(await readFile(path, "utf8")) as unknown };
  } catch (error) {
    throw new Error(
      `GITHUB_EVENT_PATH ${path}: cannot read the event payload: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** owner and repo from GITHUB_REPOSITORY ("owner/name"). */
export function currentRepo(): { owner: string; repo: string } {
  const full = process.env.GITHUB_REPOSITORY ?? "";
  const [owner, repo] = full.split("/");
  if (!owner || !repo) throw new Error(`GITHUB_REPOSITORY is "${full}", expected owner/name`);
  return { owner, repo };
}
