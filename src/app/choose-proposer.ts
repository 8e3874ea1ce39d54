/** The proposer for a repository: the config's kind, with the API key and endpoint from the App's environment. */
import type { Config } from "../config/schema.js";
import { offlineProposer } from "../evolve/proposers/offline-proposer.js";
import { openAiProposer } from "../evolve/proposers/openai-proposer.js";
import type { Proposer } from "../evolve/proposers/proposer.js";

/**
 * auto = openai when the key is set, else the offline search. OPENAI_BASE_URL
 * in the App's environment wins over the repository's proposer.baseUrl, so
 * whoever runs the App decides where its key is sent.
 */
export function chooseProposer(config: Config, env: NodeJS.ProcessEnv): Proposer {
  const key = env[config.proposer.apiKeyEnv];
  const kind = config.proposer.kind;
  if (kind === "offline" || (kind === "auto" && !key)) return offlineProposer();
  if (!key) {
    throw new Error(
      `proposer.kind is openai but $${config.proposer.apiKeyEnv} is not set in the App's environment`,
    );
  }
  const baseUrl = env.OPENAI_BASE_URL || config.proposer.baseUrl;
  return openAiProposer({ config: { ...config.proposer, baseUrl }, apiKey: key });
}
