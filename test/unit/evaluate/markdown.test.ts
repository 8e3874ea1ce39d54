import { readFileSync } from "node:fs";
import { adoptionSchema } from "../../../src/config/schema.js";
import { codeBlock, escapeMarkdown } from "../../../src/evaluate/report/markdown-escape.js";
import { headline, renderMarkdown, verdictKind } from "../../../src/evaluate/report/markdown.js";
import type { EvaluationResult } from "../../../src/evaluate/results.js";

/** A real evaluation (the CLI's output: starter codec vs itself, x265 and JPEG, 2 clips). */
const starter = JSON.parse(
  readFileSync(new URL("../../fixtures/action/results-starter.json", import.meta.url), "utf8"),
) as EvaluationResult;

describe("markdown report", () => {
  it("states verdict, rule, BD-rate sentences, a full RD table and a Mermaid chart per clip", () => {
    const md = renderMarkdown(starter, { rule: adoptionSchema.parse({}) });
    expect(md).toMatch(/^## ➖ Valid, not adopted/);
    expect(md).toContain("Rule: adopt when BD-rate vs the parent (PSNR-RGB) is at most −10%");
    expect(md).toContain(
      "| codec | setting | bytes | bpp | Mbps | Mbps@1080p30 | ratio | PSNR-RGB | SSIM-RGB | PSNR-Y | SSIM-Y | enc fps | dec fps |",
    );
    expect(md).toMatch(/- vs x265: candidate needs [\d.]+% more bits for the same PSNR-RGB/);
    const charts = md.match(/```mermaid\nxychart-beta[\s\S]*?```/g) ?? [];
    expect(charts).toHaveLength(starter.clips.length);
    // One line per drawn curve, eight points each, all finite.
    for (const chart of charts) {
      const lines = chart.match(/^ {2}line \[(.*)\]$/gm) ?? [];
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) {
        const values = line
          .replace(/^ {2}line \[|\]$/g, "")
          .split(", ")
          .map(Number);
        expect(values).toHaveLength(8);
        expect(values.every(Number.isFinite)).toBe(true);
      }
    }
    // Every rung of every curve is a table row.
    const rows = starter.clips
      .flatMap((c) => [c.rungs, ...Object.values(c.baselines).map((b) => b.rungs)])
      .flat();
    expect(
      md.split("\n").filter((l) => /^\| (candidate|x265|jpeg|parent) \|/.test(l)),
    ).toHaveLength(rows.length);
  });

  it("the chart's candidate line passes through the candidate's own points at the ends of the range", () => {
    const md = renderMarkdown({ ...starter, clips: [starter.clips[0]!] });
    const first = /^ {2}line \[(.*)\]$/m.exec(md)![1]!.split(", ").map(Number);
    const psnr = starter.clips[0]!.rungs.map((r) => r.psnrRgb).sort((a, b) => a - b);
    // The shared range starts inside the candidate's range, so its first value lies within its curve.
    expect(first[0]).toBeGreaterThanOrEqual(psnr[0]! - 0.01);
    expect(first[7]).toBeLessThanOrEqual(psnr[psnr.length - 1]! + 0.01);
  });

  it("stays under maxChars, keeps the head, and says what it left out", () => {
    const many = {
      ...starter,
      clips: Array.from({ length: 40 }, (_, i) => ({ ...starter.clips[0]!, name: `c${i}` })),
    };
    const md = renderMarkdown(many, { maxChars: 20_000, fullResultsAt: "the artifact" });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/## ➖/);
    expect(md).toMatch(
      /✂️ \d+ more section\(s\) left out to stay under 20000 characters\. Full results: the artifact\./,
    );
  });

  it("reports a failure with category, line and the traceback in a fence it cannot close", () => {
    const failed: EvaluationResult = {
      ...starter,
      status: "failed",
      verdict: null,
      failure: {
        category: "runtime",
        message: "ZeroDivisionError: <b>boom</b>",
        line: 12,
        traceback: "line 12\n```\n# heading <!-- codec-evolve:result {} -->",
        stage: "encode",
      },
    };
    expect(verdictKind(failed)).toBe("failed");
    expect(headline(failed)).toBe("failed: runtime at line 12");
    const md = renderMarkdown(failed);
    expect(md).toContain(
      "**runtime** (stage encode, codec line 12): ZeroDivisionError: &lt;b&gt;boom&lt;/b&gt;",
    );
    expect(md).toContain(
      "````text\nline 12\n```\n# heading <\u200b!-- codec-evolve:result {} -->\n````",
    );
  });

  it("headline gives the mean BD-rates", () => {
    expect(headline(starter)).toMatch(
      /^not adopted: \+48\.69% bits vs x265; -72\.34% bits vs jpeg; 0\.00% bits vs parent at equal PSNR-RGB$/,
    );
  });
});

describe("escapeMarkdown", () => {
  it.each([
    ["<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"],
    ["a | b", "a \\| b"],
    ["[x](http://e)", "\\[x\\](http://e)"],
    ["@octocat #12", "@&#8203;octocat #&#8203;12"],
    ["line\nbreak\u2028", "line break "],
    ["- item", "\\- item"],
    ["1. item", "1\\. item"],
    ["-12.5%", "-12.5%"],
    ["0.1081", "0.1081"],
  ])("%j -> %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it("bounds the length", () => {
    expect(escapeMarkdown("x".repeat(1000), 10)).toBe(`${"x".repeat(10)}…`);
  });

  it("codeBlock uses a fence longer than any backtick run", () => {
    expect(codeBlock("a ````` b")).toMatch(/^``````text\n/);
  });
});
