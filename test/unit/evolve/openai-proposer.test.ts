import { proposerSchema } from "../../../src/config/schema.js";
import { openAiProposer } from "../../../src/evolve/proposers/openai-proposer.js";
import { ProposerError } from "../../../src/evolve/proposers/proposer.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { proposalContext } from "../../fixtures/openai-stub/proposal-context.js";

const ANSWER =
  "HYPOTHESIS: h\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = 1\n=======\nQ = 2\n>>>>>>> REPLACE\n";

let stub: OpenAiStub;
beforeEach(async () => {
  stub = await startOpenAiStub();
});
afterEach(async () => {
  expect(stub.unused()).toEqual([]);
  await stub.close();
});

function proposer(over: Partial<ReturnType<typeof proposerSchema.parse>> = {}, stream = false) {
  const config = proposerSchema.parse({
    baseUrl: stub.baseUrl,
    model: "test-model",
    maxRetries: 2,
    timeoutSeconds: 10,
    ...over,
  });
  return openAiProposer({ config, apiKey: "sk-test", stream });
}

const context = proposalContext;

async function rejection(promise: Promise<unknown>): Promise<ProposerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProposerError) return error;
    throw error;
  }
  throw new Error("expected a ProposerError");
}

describe("openai proposer against the local stub", () => {
  it("sends the prompt and records tokens and cost (non-streaming)", async () => {
    stub.reply({
      kind: "answer",
      content: ANSWER,
      usage: { prompt_tokens: 1000, completion_tokens: 500 },
    });
    const proposal = await proposer().propose(context);
    expect(proposal.answerText).toBe(ANSWER);
    expect(proposal.model).toBe("test-model");
    expect(proposal.label).toBe(`openai test-model at ${stub.baseUrl}`);
    expect(proposal.usage).toEqual({
      promptTokens: 1000,
      completionTokens: 500,
      costUsd: (1000 * 0.15 + 500 * 0.6) / 1e6,
    });
    const request = stub.requests[0]!;
    expect(request.headers.authorization).toBe("Bearer sk-test");
    expect(request.body.model).toBe("test-model");
    expect(request.body.messages).toEqual([
      { role: "system", content: "You are a codec engineer." },
      { role: "user", content: "Improve it." },
    ]);
    expect(request.body.max_tokens).toBe(8000);
    expect(request.body.stream).toBeUndefined();
  });

  it("assembles a streamed answer and takes usage from the last chunk", async () => {
    stub.reply({
      kind: "answer",
      content: ANSWER,
      usage: { prompt_tokens: 10, completion_tokens: 20 },
    });
    const proposal = await proposer({}, true).propose(context);
    expect(proposal.answerText).toBe(ANSWER);
    expect(proposal.usage.promptTokens).toBe(10);
    expect(proposal.usage.completionTokens).toBe(20);
    expect(stub.requests[0]!.body.stream).toBe(true);
    expect(stub.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it("retries a 429 and then succeeds", async () => {
    stub.reply({
      kind: "error",
      status: 429,
      message: "Rate limit reached",
      type: "rate_limit_error",
      retryAfterMs: 10,
    });
    stub.reply({ kind: "answer", content: ANSWER });
    const proposal = await proposer().propose(context);
    expect(proposal.answerText).toBe(ANSWER);
    expect(stub.requests).toHaveLength(2);
  });

  it("gives up on 429 after the configured retries with a clear error", async () => {
    for (let i = 0; i < 3; i++) stub.reply({ kind: "error", status: 429, retryAfterMs: 5 });
    const error = await rejection(proposer().propose(context));
    expect(error.reason).toBe("rate-limit");
    expect(stub.requests).toHaveLength(3);
  });

  it("retries a 500 then succeeds", async () => {
    stub.reply(
      { kind: "error", status: 500, retryAfterMs: 5 },
      { kind: "answer", content: ANSWER },
    );
    expect((await proposer().propose(context)).answerText).toBe(ANSWER);
  });

  it("fails at once on 401 and names the key variable", async () => {
    stub.reply({
      kind: "error",
      status: 401,
      message: "Incorrect API key provided",
      type: "invalid_request_error",
    });
    const error = await rejection(proposer().propose(context));
    expect(error.reason).toBe("auth");
    expect(error.message).toContain("OPENAI_API_KEY");
    expect(stub.requests).toHaveLength(1);
  });

  it("fails at once on 404 and names the model", async () => {
    stub.reply({ kind: "error", status: 404, message: "The model `nope` does not exist" });
    const error = await rejection(proposer({ model: "nope" }).propose(context));
    expect(error.reason).toBe("not-found");
    expect(error.message).toContain('model "nope"');
  });

  it("times out a silent endpoint, retries, then reports the timeout", async () => {
    stub.reply({ kind: "hang" }, { kind: "hang" });
    const error = await rejection(
      proposer({ timeoutSeconds: 0.3, maxRetries: 1 }).propose(context),
    );
    expect(error.reason).toBe("timeout");
    expect(error.message).toContain("0.3 s");
    expect(stub.requests).toHaveLength(2);
  });

  it("succeeds when a slow answer arrives within the timeout", async () => {
    stub.reply({ kind: "answer", content: ANSWER, delayMs: 100 });
    expect((await proposer({ timeoutSeconds: 5 }).propose(context)).answerText).toBe(ANSWER);
  });

  it("estimates and marks usage when the endpoint reports none", async () => {
    stub.reply({ kind: "answer", content: ANSWER, usage: null });
    const proposal = await proposer().propose(context);
    expect(proposal.usage.estimated).toBe(true);
    expect(proposal.usage.completionTokens).toBe(Math.ceil(ANSWER.length / 4));
  });

  it("caps the answer length by the budget left and refuses when it cannot pay for one", async () => {
    stub.reply({ kind: "answer", content: ANSWER });
    await proposer().propose({ ...context, budgetLeftUsd: 0.0006 });
    expect(stub.requests[0]!.body.max_tokens).toBeLessThan(1000);
    const error = await rejection(proposer().propose({ ...context, budgetLeftUsd: 0.00001 }));
    expect(error.reason).toBe("budget");
    expect(stub.requests).toHaveLength(1);
  });
});
