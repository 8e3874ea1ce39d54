/**
 * Imports point down the layers, never up, and no module imports itself back
 * through a cycle (type-only imports included). Parsed from the sources with
 * TypeScript's own pre-processor, so comments and strings cannot fool it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const SRC = resolve("src");

/**
 * Rank of each top-level part of src/: a module may import its own part or a
 * part of lower rank. Adapters may use each other; nothing imports bench.
 */
const LAYERS: Record<string, number> = {
  contract: 0,
  format: 0,
  "package-files": 0,
  process: 0,
  sandbox: 1,
  config: 2,
  evaluate: 3,
  evolve: 4,
  charts: 5,
  visual: 6,
  github: 6,
  dashboard: 6,
  cli: 7,
  app: 7,
  action: 7,
  bench: 8,
};
const ADAPTER_RANK = 7;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The part of src/ a file belongs to: its first folder, or the file's stem (src/cli.ts -> cli). */
function partOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0]!;
  return first.replace(/\.m?ts$/, "");
}

/** Files under src/ that `file` imports (static, dynamic, type-only and re-exports). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolve(dirname(file), spec).replace(/\.js$/, ".ts"))
    .filter((target) => target.startsWith(SRC + sep));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** Every import that goes up a layer or sideways between core parts, as "from -> to". */
function forbiddenImports(edges: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, targets] of edges) {
    const fromPart = partOf(from);
    for (const to of targets) {
      const toPart = partOf(to);
      if (fromPart === toPart) continue;
      const fromRank = LAYERS[fromPart]!;
      const toRank = LAYERS[toPart]!;
      const sideways = fromRank === toRank && fromRank !== ADAPTER_RANK;
      if (toRank > fromRank || sideways) {
        bad.push(`${relative(SRC, from)} -> ${relative(SRC, to)}`);
      }
    }
  }
  return bad;
}

/** One cycle per strongly connected group of files, as "a -> b -> a". */
function cycles(edges: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "active");
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "active") {
        const loop = stack.slice(stack.indexOf(next)).concat(next);
        found.push(loop.map((f) => relative(SRC, f)).join(" -> "));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of edges.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe("dependency direction", () => {
  it("knows the layer of every part of src/", () => {
    const unknown = [...new Set(files.map(partOf))].filter((part) => !(part in LAYERS));
    expect(unknown).toEqual([]); // add a new part of src/ to LAYERS with its rank
  });

  it("finds no import that points up a layer (core never imports github, app, action or cli)", () => {
    expect(forbiddenImports(graph)).toEqual([]);
  });

  it("catches a forbidden direction when one reappears", () => {
    const sandboxFile = join(SRC, "sandbox", "run-codec.ts");
    const planted = new Map([
      [sandboxFile, [join(SRC, "evaluate", "results.ts")]],
      [
        join(SRC, "evolve", "loop.ts"),
        [join(SRC, "cli", "main.ts"), join(SRC, "github", "names.ts")],
      ],
      [join(SRC, "evaluate", "evaluator.ts"), [join(SRC, "evolve", "loop.ts")]],
    ]);
    expect(forbiddenImports(planted)).toEqual([
      "sandbox/run-codec.ts -> evaluate/results.ts",
      "evolve/loop.ts -> cli/main.ts",
      "evolve/loop.ts -> github/names.ts",
      "evaluate/evaluator.ts -> evolve/loop.ts",
    ]);
  });

  it("has no import cycle between files, type-only imports included", () => {
    expect(cycles(graph)).toEqual([]);
  });
});
