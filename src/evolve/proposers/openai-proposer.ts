/**
 * The LLM proposer: chat completions through the `openai` SDK against any
 * OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, ...). The SDK
 * retries 429, 5xx and timeouts with backoff; what is left after the retries
 * becomes a ProposerError that says what to fix. Tokens and cost are recorded
 * for every proposal; an unreported usage is estimated and marked so.
 */
import OpenAI from "openai";
import type { ProposerConfig } from "../../config/schema.js";
import {
  ProposerError,
  type Proposal,
  type ProposalContext,
  type Proposer,
  type ProposalUsage,
} from "./proposer.js";

export interface OpenAiProposerOptions {
  config: ProposerConfig;
  apiKey: string;
  /** Stream the answer (server-sent events) instead of one JSON response. */
  stream?: boolean;
  /** Passed to the SDK; tests use it to point at a local server without global state. */
  fetch?: typeof fetch;
}

/** The cost in USD of a number of prompt and completion tokens at the configured prices. */
export function costUsd(
  config: ProposerConfig,
  promptTokens: number,
  completionTokens: number,
): number {
  return (
    (promptTokens * config.pricePerMillionInput + completionTokens * config.pricePerMillionOutput) /
    1e6
  );
}

/** An OpenAI-compatible chat-completions proposer. */
export function openAiProposer(options: OpenAiProposerOptions): Proposer {
  const { config } = options;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: config.baseUrl ?? undefined,
    timeout: config.timeoutSeconds * 1000,
    maxRetries: config.maxRetries,
    fetch: abortAwareFetch(options.fetch ?? globalThis.fetch),
  });
  const label = `openai ${config.model}${config.baseUrl ? ` at ${config.baseUrl}` : ""}`;
  const stream = options.stream ?? config.stream;

  return {
    kind: "openai",
    label,
    async propose(context: ProposalContext): Promise<Proposal> {
      const messages = [
        { role: "system" as const, content: context.prompt.system },
        { role: "user" as const, content: context.prompt.user },
      ];
      const maxTokens = affordableTokens(config, context);
      try {
        const { text, usage, model } = stream
          ? await streamed(client, config, messages, maxTokens)
          : await whole(client, config, messages, maxTokens);
        const promptTokens =
          usage?.prompt_tokens ?? estimateTokens(messages.map((m) => m.content).join("\n"));
        const completionTokens = usage?.completion_tokens ?? estimateTokens(text);
        const proposalUsage: ProposalUsage = {
          promptTokens,
          completionTokens,
          costUsd: costUsd(config, promptTokens, completionTokens),
          ...(usage ? {} : { estimated: true }),
        };
        return { answerText: text, usage: proposalUsage, model: model || config.model, label };
      } catch (error) {
        throw explain(error, config);
      }
    },
  };
}

type ChatMessage = { role: "system" | "user"; content: string };
type Usage = { prompt_tokens: number; completion_tokens: number } | undefined | null;

async function whole(
  client: OpenAI,
  config: ProposerConfig,
  messages: ChatMessage[],
  maxTokens: number,
): Promise<{ text: string; usage: Usage; model: string }> {
  const completion = await client.chat.completions.create({
    model: config.model,
    messages,
    temperature: config.temperature,
    max_tokens: maxTokens,
  });
  const text = completion.choices[0]?.message?.content ?? "";
  return { text, usage: completion.usage, model: completion.model };
}

async function streamed(
  client: OpenAI,
  config: ProposerConfig,
  messages: ChatMessage[],
  maxTokens: number,
): Promise<{ text: string; usage: Usage; model: string }> {
  const chunks = await client.chat.completions.create({
    model: config.model,
    messages,
    temperature: config.temperature,
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage: Usage = null;
  let model = "";
  for await (const chunk of chunks) {
    model ||= chunk.model;
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, model };
}

/** Output tokens the remaining budget can pay for, never more than configured. */
function affordableTokens(config: ProposerConfig, context: ProposalContext): number {
  if (context.budgetLeftUsd === null || config.pricePerMillionOutput === 0)
    return config.maxOutputTokens;
  const promptCost = costUsd(
    config,
    estimateTokens(context.prompt.system + context.prompt.user),
    0,
  );
  const left = context.budgetLeftUsd - promptCost;
  const affordable = Math.floor((left / config.pricePerMillionOutput) * 1e6);
  if (affordable < 256) {
    throw new ProposerError(
      `the budget left ($${context.budgetLeftUsd.toFixed(4)}) cannot pay for a useful answer at the configured prices`,
      "budget",
    );
  }
  return Math.min(config.maxOutputTokens, affordable);
}

/**
 * Re-throw a fetch abort as an Error of this realm named AbortError: the SDK
 * recognises timeouts by that name, and an abort DOMException from another
 * realm (test VMs, some bundlers) would otherwise read as a plain connection error.
 */
function abortAwareFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (error) {
      if ((error as { name?: string } | null)?.name === "AbortError") {
        const abort = new Error("The request was aborted (timeout)", { cause: error });
        abort.name = "AbortError";
        throw abort;
      }
      throw error;
    }
  };
}

/** About four characters per token: only used when the endpoint reports no usage. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A ProposerError that says what went wrong and what the user can do about it. */
function explain(error: unknown, config: ProposerConfig): ProposerError {
  const where = config.baseUrl ?? "the OpenAI API";
  const detail = error instanceof Error ? error.message : String(error);
  if (
    error instanceof OpenAI.AuthenticationError ||
    error instanceof OpenAI.PermissionDeniedError
  ) {
    return new ProposerError(
      `${where} refused the API key (${error.status}): check ${config.apiKeyEnv} and that the key may use model ${config.model}. (${detail})`,
      "auth",
      { cause: error },
    );
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new ProposerError(
      `${where} answered 404: model "${config.model}" or the chat-completions route does not exist there; check proposer.model and proposer.baseUrl (it usually ends in /v1). (${detail})`,
      "not-found",
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProposerError(
      `${where} did not answer within ${config.timeoutSeconds} s, ${config.maxRetries + 1} time(s); raise proposer.timeoutSeconds or try later`,
      "timeout",
      { cause: error },
    );
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new ProposerError(
      `${where} kept answering 429 (rate limit or quota) after ${config.maxRetries} retries; wait, raise proposer.maxRetries, or check the account's quota. (${detail})`,
      "rate-limit",
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number" && error.status >= 500) {
    return new ProposerError(
      `${where} failed with ${error.status} after ${config.maxRetries} retries. (${detail})`,
      "server",
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ProposerError(`cannot reach ${where}: ${detail}`, "server", { cause: error });
  }
  if (error instanceof ProposerError) return error;
  return new ProposerError(`${where}: ${detail}`, "other", { cause: error });
}
