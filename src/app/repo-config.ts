/** The repository's `.github/codec-evolve.yml`, read from its default branch through the API. */
import { CONFIG_PATH, parseConfig } from "../config/load-config.js";
import { configSchema, type Config } from "../config/schema.js";
import type { GitHubClient, RepoRef } from "../github/client.js";
import { readFileAt } from "../github/git-data.js";

/** The config and where it came from; a malformed file throws a ConfigError naming the field. */
export async function loadRepoConfig(
  gh: GitHubClient,
  repo: RepoRef,
): Promise<{ config: Config; source: string; defaultBranch: string }> {
  const { data } = await gh.rest.repos.get({ ...repo });
  const text = await readFileAt(gh, repo, data.default_branch, CONFIG_PATH);
  if (text === null) {
    return {
      config: configSchema.parse({}),
      source: `built-in defaults (no ${CONFIG_PATH} on ${data.default_branch})`,
      defaultBranch: data.default_branch,
    };
  }
  const source = `${CONFIG_PATH} on ${data.default_branch}`;
  return { config: parseConfig(text, source), source, defaultBranch: data.default_branch };
}
