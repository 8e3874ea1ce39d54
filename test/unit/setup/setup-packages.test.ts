/**
 * `scripts/setup.sh --test` must install every Debian package the tests use
 * (issue 7 item 1): the Python modules the test, script and codec files import,
 * the Debian data files the tests read, and the programs they start. Each is
 * traced to the Debian package that ships it (dpkg -S) and must be named by
 * setup.sh, or be part of every Debian system (priority required).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const setupScript = readFileSync(join(root, "scripts", "setup.sh"), "utf8");

/** Every file under `dir` (relative to the repo) whose name ends with one of `exts`. */
function filesUnder(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (exts.some((e) => name.endsWith(e))) out.push(full);
    }
  };
  walk(join(root, dir));
  return out;
}

/** Debian packages named in setup.sh: the words of its apt list and of TEST_PACKAGES. */
function packagesNamedBySetup(): Set<string> {
  const names = new Set<string>();
  for (const match of setupScript.matchAll(/missing\+=\(([^)]*)\)/g))
    for (const word of match[1]!.split(/\s+/)) if (/^[a-z0-9.+-]+$/.test(word)) names.add(word);
  const list = /TEST_PACKAGES=\(([\s\S]*?)\n\)/.exec(setupScript)?.[1] ?? "";
  for (const line of list.split("\n")) {
    const word = line.replace(/#.*/, "").trim();
    if (word) names.add(word);
  }
  return names;
}

/** The Debian package owning each of `paths` (one dpkg -S call: each one reads the whole database). */
function owners(paths: readonly string[]): Map<string, string> {
  const result = spawnSync("dpkg", ["-S", ...paths], { encoding: "utf8" });
  const found = new Map<string, string>();
  // "pkg[:arch][, pkg]: path" lines; dash's /bin/sh also prints "diversion by ..." lines
  for (const line of result.stdout.split("\n")) {
    const at = line.indexOf(": /");
    if (at < 0 || line.startsWith("diversion by")) continue;
    found.set(line.slice(at + 2), line.slice(0, at).split(",")[0]!.split(":")[0]!.trim());
  }
  return found;
}

/** Whether every Debian system has `pkg` (priority required or essential). */
function isBasePackage(pkg: string): boolean {
  const out = execFileSync("dpkg-query", ["-W", "-f=${Priority} ${Essential}", pkg], {
    encoding: "utf8",
  });
  return out.startsWith("required") || out.endsWith("yes");
}

// Third-party modules imported by Python files of the tests, scripts and codec, with the file
// each resolves to under Debian's /usr/bin/python3 (null: not importable there).
const IMPORTS = `
import ast, importlib.util, json, sys
local = set(sys.argv[1].split(","))
found = {}
for path in sys.argv[2:]:
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except SyntaxError:
        continue  # the corpus has a deliberate syntax error
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \\
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in local or top in found:
                continue
            spec = importlib.util.find_spec(top)
            found[top] = spec.origin if spec and spec.origin else None
print(json.dumps(found))
`;

describe("scripts/setup.sh --test", () => {
  const named = packagesNamedBySetup();
  const covered = (pkg: string): boolean => named.has(pkg) || isBasePackage(pkg);

  it("names the Debian package of every third-party Python module the tests import", () => {
    const pyFiles = [
      // fixtures that import modules only their test's own venv has are not Debian's business
      ...filesUnder("test", [".py"]).filter(
        (f) => !f.includes("/fixtures/venv/") && !f.endsWith("/fixtures/torch/maps_codec.py"),
      ),
      ...filesUnder("scripts", [".py"]),
      ...filesUnder("codec", [".py"]),
    ];
    // Modules of the repository itself (harness side), never from Debian.
    const local = filesUnder("src", [".py"]).map((f) => f.split("/").pop()!.slice(0, -3));
    const out = execFileSync("/usr/bin/python3", ["-c", IMPORTS, local.join(","), ...pyFiles], {
      encoding: "utf8",
    });
    const modules = JSON.parse(out) as Record<string, string | null>;
    expect(Object.keys(modules)).toEqual(
      expect.arrayContaining(["numpy", "cv2", "torch", "scipy"]),
    );
    const owner = owners(Object.values(modules).filter((o) => o !== null));
    const problems = Object.entries(modules).flatMap(([module, origin]) => {
      if (origin === null) return [`${module}: not importable by /usr/bin/python3`];
      const pkg = owner.get(origin) ?? null;
      if (pkg === null) return [`${module}: ${origin} belongs to no Debian package`];
      return covered(pkg) ? [] : [`${module}: Debian package ${pkg} is not named in setup.sh`];
    });
    expect(problems).toEqual([]);
  });

  it("names the Debian package of every system data file the tests and scripts read", () => {
    const sources = [...filesUnder("test", [".ts"]), ...filesUnder("scripts", [".sh", ".py"])];
    const paths = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/\/usr\/lib\/python3\/dist-packages\/[\w./-]+/g)) {
        // make-clips.sh names the directory and the file in two variables
        paths.add(match[0].replace(/\/$/, ""));
      }
    }
    expect([...paths]).toContain("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");
    const owner = owners([...paths]);
    const problems = [...paths].flatMap((path) => {
      const pkg = owner.get(path) ?? null;
      if (pkg === null) return [`${path}: no Debian package ships it (is it installed?)`];
      return covered(pkg) ? [] : [`${path}: Debian package ${pkg} is not named in setup.sh`];
    });
    expect(problems).toEqual([]);
  });

  it("names the Debian package of every program the code and tests start", () => {
    const programs = new Set<string>(["bwrap", "ffprobe"]);
    for (const file of [...filesUnder("src", [".ts"]), ...filesUnder("test", [".ts"])]) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\b(?:spawn|spawnSync|execFile|execFileSync)\(\s*"([\w.-]+)"/g))
        programs.add(m[1]!);
    }
    for (const file of filesUnder("scripts", [".sh"])) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/for tool in ([\w\s-]+); do/g))
        for (const tool of m[1]!.trim().split(/\s+/)) programs.add(tool);
    }
    expect([...programs]).toEqual(expect.arrayContaining(["ffmpeg", "git", "bzip2"]));
    const where = new Map(
      [...programs].map((program) => {
        const found = spawnSync("sh", ["-c", `command -v "${program}"`], { encoding: "utf8" });
        return [program, found.status === 0 ? found.stdout.trim() : null];
      }),
    );
    // /bin is a symlink to /usr/bin on Debian 12; dpkg records either spelling
    const asBin = (path: string): string => path.replace(/^\/usr\/bin\//, "/bin/");
    const known = [...where.values()].filter((p) => p !== null);
    const owner = owners([...known, ...known.map(asBin)]);
    const problems = [...programs].flatMap((program) => {
      const path = where.get(program);
      if (!path) return [`${program}: not on PATH`];
      const pkg = owner.get(path) ?? owner.get(asBin(path)) ?? null;
      if (pkg === null) return [`${program}: ${path} belongs to no Debian package`];
      return covered(pkg) ? [] : [`${program}: Debian package ${pkg} is not named in setup.sh`];
    });
    expect(problems).toEqual([]);
  });
});
