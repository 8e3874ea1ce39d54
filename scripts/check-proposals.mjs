#!/usr/bin/env node
/**
 * Replays the answers in a folder (name order) on a starting codec with the
 * project's own answer parser and edit applier (run `npm run build` first),
 * so a chain of hand-written proposals is known to apply before it goes
 * through `evolve --proposer answers`.
 *
 *   node scripts/check-proposals.mjs BASE.py codec/proposals [--expect codec/evolved_codec.py] [--out DIR]
 *
 * --expect: the result of the whole chain must equal that file.
 * --out DIR: writes the codec after each answer as DIR/<answer name>.py.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { parseAnswer } from "../dist/evolve/answer/parse-answer.js";
import { applyEdits } from "../dist/evolve/edits/apply-edits.js";

const CODEC = "codec/evolved_codec.py";
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { expect: { type: "string" }, out: { type: "string" } },
});
if (positionals.length !== 2) {
  console.error(
    "usage: node scripts/check-proposals.mjs BASE.py ANSWERS_DIR [--expect FILE] [--out DIR]",
  );
  process.exit(2);
}
const [base, dir] = positionals;
let code = await readFile(base, "utf8");
const names = (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort();
if (names.length === 0) {
  console.error(`${dir}: no .txt answers`);
  process.exit(1);
}
if (values.out) await mkdir(values.out, { recursive: true });
for (const name of names) {
  const parsed = parseAnswer(await readFile(join(dir, name), "utf8"));
  if (!parsed.ok) {
    console.error(`${name}: does not parse: ${parsed.message}`);
    process.exit(1);
  }
  const outcome = await applyEdits(parsed.answer.files, async (p) => (p === CODEC ? code : null));
  if (!outcome.ok) {
    console.error(`${name}: does not apply: ${outcome.failure.message}`);
    process.exit(1);
  }
  code = outcome.files.find((f) => f.path === CODEC)?.after ?? code;
  const s = outcome.summary.map(
    (e) => `${e.path} ${e.blocks} block(s) +${e.linesAdded} -${e.linesRemoved}`,
  );
  console.log(`${name}: applies (${s.join("; ")}): ${parsed.answer.hypothesis}`);
  if (values.out) await writeFile(join(values.out, `${basename(name, ".txt")}.py`), code);
}
if (values.expect) {
  const expected = await readFile(values.expect, "utf8");
  if (expected !== code) {
    console.error(`the chain does not end at ${values.expect}`);
    process.exit(1);
  }
  console.log(`the chain ends exactly at ${values.expect}`);
}
