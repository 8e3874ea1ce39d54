/**
 * The body of a candidate PR (DESIGN.md "Candidate pull requests"):
 * hypothesis, rationale, parent version, proposer and model, diff stats, the
 * commands a maintainer can use (collapsed, as Dependabot does), and the
 * hidden meta block the bot parses back. Pure: tested on its output.
 */
import type { CandidateMeta } from "./candidate-meta.js";
import { renderHiddenBlock } from "./hidden-block.js";

/** The commands listed in every PR body and in the /help answer. */
export const COMMAND_HELP = [
  "`/evolve [N] [focus...]`: propose N candidates (default 1), optionally with a focus",
  "`/evaluate`: evaluate this PR again",
  "`/status`: best version, recent attempts and the failure report",
  "`/adopt`: merge this candidate (or framework PR) when its evaluation is valid",
  "`/rollback vK`: open a PR that restores version K as a new version",
  "`/help`: this list",
];

const MAX_TEXT = 20_000;

/** Markdown body of a candidate PR. */
export function renderCandidateBody(meta: CandidateMeta): string {
  const edits = meta.edits.length
    ? meta.edits
        .map(
          (e) =>
            `| \`${e.path}\` | ${e.created ? "created" : "edited"} | +${e.linesAdded} | -${e.linesRemoved} |`,
        )
        .join("\n")
    : "| (none) | | | |";
  const who = meta.proposer.model
    ? `${meta.proposer.label} (model ${meta.proposer.model})`
    : meta.proposer.label;
  const lines = [
    meta.rollbackOf
      ? `Restores **v${meta.rollbackOf}** as a new version on top of ${meta.parent}.`
      : `Candidate **${meta.candidate}**, built on **${meta.parent}** (\`${meta.parentSha.slice(0, 10)}\`).`,
    "",
    "### Hypothesis",
    clip(meta.hypothesis) || "(none given)",
    "",
    "### Rationale",
    clip(meta.rationale) || "(none given)",
    "",
    "### Change",
    "| file | | added | removed |",
    "| --- | --- | --- | --- |",
    edits,
    "",
    `Proposer: ${who}` +
      (meta.usage
        ? `; ${meta.usage.promptTokens + meta.usage.completionTokens} tokens, $${meta.usage.costUsd.toFixed(4)}`
        : ""),
    "",
    meta.kind === "framework"
      ? "This PR changes paths outside the codec: it is never merged automatically; a maintainer decides with `/adopt`."
      : "The `codec-evolve / evaluation` check decides: adopted when the adoption rule holds, closed with the reason otherwise.",
    "",
    "<details><summary>Commands</summary>",
    "",
    ...COMMAND_HELP.map((c) => `- ${c}`),
    "",
    "</details>",
    "",
    renderHiddenBlock("meta", meta),
    "",
  ];
  return lines.join("\n");
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}
