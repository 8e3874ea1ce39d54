/**
 * The repository configuration, `.github/codec-evolve.yml`: one zod schema,
 * one line of documentation per field, defaults stated here and nowhere else.
 */
import { z } from "zod";
import { DEFAULT_ALLOWED_IMPORTS, DEFAULT_LIMITS } from "../sandbox/sandbox-options.js";
import { checkTimezone, parseCron } from "./cron.js";

function cronProblem(cron: string): string | null {
  try {
    parseCron(cron);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function timezoneProblem(zone: string): string | null {
  try {
    checkTimezone(zone);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

const quality = z.number().int().min(0).max(100);

export const evaluationSchema = z
  .strictObject({
    clips: z
      .array(z.string().min(1))
      .min(1)
      .default(["clips/*.y4m"])
      .describe(
        "Clips scored and shown in reports: paths, globs, or synthetic:<kind>[:WxH[:frames]].",
      ),
    heldOut: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Held-out clips: scored for the verdict, never named in prompts or reports beyond aggregate figures.",
      ),
    synthetic: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Synthetic clips, re-seeded at random on every evaluation, e.g. synthetic:moving-shapes.",
      ),
    maxFrames: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe("Frames read per clip."),
    qualities: z
      .array(quality)
      .min(4)
      .default([20, 35, 50, 65, 80])
      .describe("The quality ladder given to the codec (at least 4 rungs for BD-rate)."),
    baselines: z
      .array(z.enum(["x265", "x265-ld", "x264", "jpeg", "av1"]))
      .default(["x265", "x265-ld", "jpeg"])
      .describe(
        "Reference encoders measured on the same frames (x265 is the headline; x265-ld is x265 without B-frames, the like-for-like of a codec that cannot look ahead).",
      ),
    qualityFloorDb: z
      .number()
      .default(20)
      .describe("A rung whose PSNR-RGB is below this is a quality-floor failure."),
    codecParams: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Static parameters merged into the codec's config (same for encoder and decoder)."),
    shards: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe(
        "Machines the shipped evaluate workflow splits the clip × rung work over (evaluate --shard I/N, then merge-results); 1 = one machine.",
      ),
  })
  .describe("What a candidate codec is scored on.");

export const sandboxSchema = z
  .strictObject({
    python: z.string().nullable().default(null).describe("Python with numpy; null = auto-detect."),
    allowedImports: z
      .array(z.string().min(1))
      .default([...DEFAULT_ALLOWED_IMPORTS])
      .describe("Top-level modules a codec may import."),
    isolation: z
      .enum(["auto", "bubblewrap", "none"])
      .default("auto")
      .describe("OS sandbox: bubblewrap when it can run (auto), required, or off."),
    gpu: z
      .boolean()
      .default(false)
      .describe(
        "Bind the GPU device nodes (/dev/nvidia*, /dev/dri) into the sandbox for torch codecs.",
      ),
    frameSeconds: z
      .number()
      .positive()
      .default(DEFAULT_LIMITS.frameSeconds)
      .describe("Wall-clock limit per codec call."),
    runSeconds: z
      .number()
      .positive()
      .default(DEFAULT_LIMITS.runSeconds)
      .describe("Wall-clock limit per encode or decode run."),
    cpuSeconds: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_LIMITS.cpuSeconds)
      .describe("CPU-time limit (RLIMIT_CPU) per encode or decode process, all threads together."),
    memoryMiB: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_LIMITS.memoryBytes / 2 ** 20)
      .describe("Address-space limit per process."),
  })
  .describe("How untrusted codec code is contained.");

export const adoptionSchema = z
  .strictObject({
    minBitSavingPercent: z
      .number()
      .default(10)
      .describe("Adopt when BD-rate (PSNR-RGB) against the current best is at most minus this."),
    minRatioGainPercent: z
      .number()
      .default(20)
      .describe(
        "...or when the compression ratio is this much higher at no lower quality, same settings.",
      ),
    maxEncodeSlowdown: z
      .number()
      .positive()
      .default(4)
      .describe("Refuse a candidate whose encode fps is below the best's divided by this."),
    minEncodeSpeedup: z
      .number()
      .min(1)
      .nullable()
      // Judged per CPU second only (the sandboxed encoder runs one thread): wall-clock fps
      // swung 2.26x between two codecs of the same speed next to the test suite.
      .default(1.5)
      .describe(
        "...or when it encodes at least this many times faster than the best (mean fps per CPU " +
          "second, both codecs timed by the sandbox) and needs no more bits (BD-rate vs the best " +
          "at most 0 over all clips); null turns this path off.",
      ),
    pairedTimingFrames: z
      .number()
      .int()
      .min(0)
      .max(600)
      // Two runs of one codec minutes apart differed up to 1.5x in CPU fps on a shared box;
      // timed side by side, a load change falls on both. 60 frames: the four bundled clips whole
      // (20 + 16 + 12 + 12), one rung each, so key frames weigh as much as in the evaluation and
      // a codec fast on one kind of content only is timed on the others too.
      .default(60)
      .describe(
        "Frames per side that parent and candidate encode alternately, side by side, for the " +
          "speed ratio both speed rules use: each shown clip's first frames (an equal share each) " +
          "at the ladder's low, middle and high rungs in turn; 0 turns paired timing off (the " +
          "rules then compare mean fps of separate runs).",
      ),
    pairedTimingChunkFrames: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(2)
      .describe(
        "Frames one side encodes before the other takes its turn (the order flips every chunk).",
      ),
  })
  .describe("When a candidate replaces the current best.");

export const proposerSchema = z
  .strictObject({
    kind: z
      .enum(["auto", "offline", "openai"])
      .default("auto")
      .describe("auto = openai when an API key is set, else the offline parameter search."),
    baseUrl: z
      .string()
      .url()
      .nullable()
      .default(null)
      .describe("OpenAI-compatible endpoint; null = SDK default."),
    model: z.string().default("gpt-4o-mini").describe("Model name sent to the endpoint."),
    apiKeyEnv: z
      .string()
      .default("OPENAI_API_KEY")
      .describe("Environment variable holding the API key."),
    temperature: z.number().min(0).max(2).default(0.7),
    maxOutputTokens: z.number().int().positive().default(8000),
    timeoutSeconds: z.number().positive().default(300),
    maxRetries: z.number().int().min(0).default(4),
    stream: z
      .boolean()
      .default(false)
      .describe("Stream answers as server-sent events (some proxies only stream)."),
    budgetUsd: z
      .number()
      .nonnegative()
      .nullable()
      .default(null)
      .describe("Stop a run once spend reaches this."),
    pricePerMillionInput: z
      .number()
      .nonnegative()
      .default(0.15)
      .describe("USD per 1M prompt tokens."),
    pricePerMillionOutput: z
      .number()
      .nonnegative()
      .default(0.6)
      .describe("USD per 1M completion tokens."),
    promptTemplate: z
      .string()
      .nullable()
      .default(null)
      .describe("Path of a system prompt template to use instead of the built-in one."),
  })
  .describe("Who proposes the next change.");

export const evolveSchema = z
  .strictObject({
    branch: z
      .string()
      .default("self-improved-framework")
      .describe("Branch that holds adopted versions."),
    generations: z.number().int().positive().default(5),
    focus: z.string().nullable().default(null).describe("Optional focus given to the proposer."),
    historyInPrompt: z
      .number()
      .int()
      .min(0)
      .default(8)
      .describe("Recent attempts shown to the proposer."),
    maxPromptChars: z
      .number()
      .int()
      .min(4000)
      .default(60000)
      .describe("Upper bound of the prompt size; the oldest attempts are dropped first."),
    failureWindow: z
      .number()
      .int()
      .positive()
      .default(10)
      .describe("Recent attempts the self-debugging failure report looks at."),
    exploreFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        "Share of generations whose parent comes from the elite archive instead of the best.",
      ),
  })
  .describe("The evolution loop.");

export const githubSchema = z
  .strictObject({
    schedule: z
      .string()
      .nullable()
      .default(null)
      .refine((cron) => cron === null || cronProblem(cron) === null, {
        error: (issue) => cronProblem(String(issue.input)) ?? "invalid cron",
      })
      .describe(
        "When the App proposes on its own: 5-field cron (minute hour day month weekday); null = only on command.",
      ),
    timezone: z
      .string()
      .default("UTC")
      .refine((zone) => timezoneProblem(zone) === null, {
        error: (issue) => timezoneProblem(String(issue.input)) ?? "invalid timezone",
      })
      .describe("IANA time zone the schedule is read in, e.g. Europe/Paris."),
    proposalsPerSlot: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe("Pull requests a schedule slot tries to open (still within the limits below)."),
    prHourlyLimit: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe("Most candidate PRs the bot opens per hour; 0 = no limit."),
    prConcurrentLimit: z
      .number()
      .int()
      .min(0)
      .default(5)
      .describe("Most candidate PRs open at once; 0 = no limit."),
    frameworkChanges: z
      .boolean()
      .default(false)
      .describe(
        "Allow proposals that change paths outside the codec's directory; such PRs are labelled and never merged automatically.",
      ),
    evaluateWorkflow: z
      .string()
      .default("codec-evolve-evaluate.yml")
      .describe(
        "Workflow file started with workflow_dispatch (input pr) when a PR cannot start it itself (Actions-only mode, /evaluate).",
      ),
  })
  .describe("The GitHub App and the Actions-only mode.");

export const configSchema = z.strictObject({
  codec: z.string().default("codec/evolved_codec.py").describe("The codec the bot evolves."),
  evaluation: evaluationSchema.default(evaluationSchema.parse({})),
  sandbox: sandboxSchema.default(sandboxSchema.parse({})),
  adoption: adoptionSchema.default(adoptionSchema.parse({})),
  proposer: proposerSchema.default(proposerSchema.parse({})),
  evolve: evolveSchema.default(evolveSchema.parse({})),
  github: githubSchema.default(githubSchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;
export type EvaluationConfig = Config["evaluation"];
export type SandboxConfig = Config["sandbox"];
export type AdoptionConfig = Config["adoption"];
export type ProposerConfig = Config["proposer"];
export type EvolveConfig = Config["evolve"];
export type GithubConfig = Config["github"];
