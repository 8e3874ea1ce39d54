/** Every runtime dependency is imported by the code that ships; one YAML parser, not two. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Declared for the Action's next steps but not imported yet; remove a name once it is used. */
const NOT_YET_IMPORTED = new Set(["@actions/exec", "@actions/github"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.m?ts$/.test(name) ? [path] : [];
  });
}

const code = sources("src")
  .map((file) => readFileSync(file, "utf8"))
  .join("\n");

it("imports every runtime dependency somewhere in src/", () => {
  const unused = Object.keys(pkg.dependencies).filter(
    (name) =>
      !NOT_YET_IMPORTED.has(name) &&
      !new RegExp(`(from |import\\()["']${name.replace("/", "\\/")}(/[^"']*)?["']`).test(code),
  );
  expect(unused).toEqual([]);
});

it("declares one YAML parser (yaml), not js-yaml next to it", () => {
  const declared = { ...pkg.dependencies, ...pkg.devDependencies };
  expect(Object.keys(declared).filter((name) => /(^|\/)js-yaml$/.test(name))).toEqual([]);
  expect(declared.yaml).toBeDefined();
});
