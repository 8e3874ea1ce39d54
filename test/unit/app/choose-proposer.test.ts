/**
 * Where the App sends its LLM key: never where the repository's config alone
 * says. Two real OpenAI-compatible stubs stand for the operator's endpoint and
 * one a repository writer controls; the test looks at which one the key reaches.
 */
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import {
  ALLOWED_BASE_URLS_ENV,
  chooseProposer,
  ProposerEndpointRefused,
} from "../../../src/app/choose-proposer.js";
import { configSchema } from "../../../src/config/schema.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { proposalContext } from "../../fixtures/openai-stub/proposal-context.js";

const ANSWER =
  "HYPOTHESIS: h\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = 1\n=======\nQ = 2\n>>>>>>> REPLACE\n";
const KEY = "sk-operator-secret";

const context = proposalContext;

let operator: OpenAiStub;
let writer: OpenAiStub;
beforeEach(async () => {
  [operator, writer] = await Promise.all([startOpenAiStub(), startOpenAiStub()]);
});
afterEach(async () => {
  await Promise.all([operator.close(), writer.close()]);
});

const repoConfig = (proposer: Record<string, unknown>) =>
  configSchema.parse({ proposer: { kind: "openai", maxRetries: 0, ...proposer } });

test("a repository's proposer.baseUrl is refused unless the operator allowed it; nothing is sent", () => {
  const config = repoConfig({ baseUrl: writer.baseUrl });
  expect(() => chooseProposer(config, { OPENAI_API_KEY: KEY })).toThrow(ProposerEndpointRefused);
  expect(() => chooseProposer(config, { OPENAI_API_KEY: KEY })).toThrow(
    new RegExp(`proposer.baseUrl to ${writer.baseUrl}.*${ALLOWED_BASE_URLS_ENV}`),
  );
  expect(writer.requests).toHaveLength(0);
});

test("OPENAI_BASE_URL wins over the repository's proposer.baseUrl", async () => {
  operator.reply({ kind: "answer", content: ANSWER });
  const proposer = chooseProposer(repoConfig({ baseUrl: writer.baseUrl }), {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: operator.baseUrl,
  });
  await proposer.propose(context);
  expect(operator.requests).toHaveLength(1);
  expect(operator.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  expect(writer.requests).toHaveLength(0);
});

test("an endpoint listed in CODEC_EVOLVE_ALLOWED_BASE_URLS may be named by the repository", async () => {
  writer.reply({ kind: "answer", content: ANSWER });
  const proposer = chooseProposer(repoConfig({ baseUrl: `${writer.baseUrl}/` }), {
    OPENAI_API_KEY: KEY,
    [ALLOWED_BASE_URLS_ENV]: `https://llm.example.com/v1, ${writer.baseUrl}`,
  });
  await proposer.propose(context);
  expect(writer.requests).toHaveLength(1);
});

test("the repository cannot choose which of the App's variables is sent as the key", () => {
  const config = repoConfig({ apiKeyEnv: "PRIVATE_KEY" });
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: operator.baseUrl, PRIVATE_KEY: "-----BEGIN" };
  expect(() => chooseProposer(config, env)).toThrow(/reads its key only from OPENAI_API_KEY/);
  expect(operator.requests).toHaveLength(0);
});
