/**
 * The proposer for a repository: the config's kind, with the API key and the
 * endpoint decided by whoever runs the App, never by the repository. Anyone who
 * can push to the default branch can edit `.github/codec-evolve.yml`; if its
 * `proposer.baseUrl` decided where the App sends OPENAI_API_KEY, they could
 * point it at their own server and collect the operator's key.
 */
import type { Config } from "../config/schema.js";
import { offlineProposer } from "../evolve/proposers/offline-proposer.js";
import { openAiProposer } from "../evolve/proposers/openai-proposer.js";
import type { Proposer } from "../evolve/proposers/proposer.js";

/** The only environment variable the App reads its LLM key from. */
export const APP_KEY_ENV = "OPENAI_API_KEY";
/** Operator's list of endpoints a repository's proposer.baseUrl may name (comma or space separated). */
export const ALLOWED_BASE_URLS_ENV = "CODEC_EVOLVE_ALLOWED_BASE_URLS";

/** Refused before any request: the repository asked for an endpoint or key the operator did not allow. */
export class ProposerEndpointRefused extends Error {
  override name = "ProposerEndpointRefused";
}

function normalize(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/**
 * Where the key goes: OPENAI_BASE_URL when the operator set it (the repository's
 * proposer.baseUrl is then ignored); else the repository's proposer.baseUrl only
 * when listed in CODEC_EVOLVE_ALLOWED_BASE_URLS; else OpenAI's own API (null).
 */
export function proposerEndpoint(config: Config, env: NodeJS.ProcessEnv): string | null {
  if (env.OPENAI_BASE_URL) return env.OPENAI_BASE_URL;
  const asked = config.proposer.baseUrl;
  if (!asked) return null;
  const allowed = (env[ALLOWED_BASE_URLS_ENV] ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(normalize);
  if (allowed.includes(normalize(asked))) return asked;
  throw new ProposerEndpointRefused(
    `.github/codec-evolve.yml sets proposer.baseUrl to ${asked}, which this App's operator has not allowed: ` +
      `the App sends its ${APP_KEY_ENV} only to OPENAI_BASE_URL, to OpenAI's API, or to an endpoint listed in ` +
      `${ALLOWED_BASE_URLS_ENV}. Remove proposer.baseUrl from the config, or ask the operator to allow it.`,
  );
}

/** auto = openai when the key is set, else the offline search. */
export function chooseProposer(config: Config, env: NodeJS.ProcessEnv): Proposer {
  const kind = config.proposer.kind;
  if (config.proposer.apiKeyEnv !== APP_KEY_ENV && kind !== "offline") {
    // The repository must not choose which of the App's variables (PRIVATE_KEY, WEBHOOK_SECRET, ...) is sent.
    throw new ProposerEndpointRefused(
      `.github/codec-evolve.yml sets proposer.apiKeyEnv to ${config.proposer.apiKeyEnv}; the App reads its key only from ${APP_KEY_ENV}. Remove proposer.apiKeyEnv from the config.`,
    );
  }
  const key = env[APP_KEY_ENV];
  if (kind === "offline" || (kind === "auto" && !key)) return offlineProposer();
  if (!key) {
    throw new Error(
      `proposer.kind is openai but $${APP_KEY_ENV} is not set in the App's environment`,
    );
  }
  const baseUrl = proposerEndpoint(config, env);
  return openAiProposer({ config: { ...config.proposer, baseUrl }, apiKey: key });
}
