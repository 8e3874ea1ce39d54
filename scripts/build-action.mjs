// Bundle the Action (src/action/index.ts) into action/dist/index.js with esbuild.
// esbuild: one well-kept dependency, no plugins, deterministic output, reads TypeScript directly
// (no tsc pass first), and bundles ESM-only packages such as @octokit/rest without configuration.
// The bundle is ESM (the repository's package.json says "type": "module") so import.meta.url
// still points at action/dist, from which the harness and clips are found in the repository.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = process.argv[2] ?? `${root}action/dist/index.js`;

await build({
  absWorkingDir: root,
  entryPoints: ["src/action/index.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // sharp is native (per-platform binaries): the Action installs it at run time when JPEG is a baseline.
  external: ["sharp"],
  // Bundled CommonJS packages call require(); ESM has none, so give them one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  // Not minified: the quality pool ships its kernels to workers as their source text and
  // calls the entry by its .name; esbuild keeps the two consistent when it renames nothing.
  minify: false,
  sourcemap: false,
  legalComments: "eof",
  logLevel: "warning",
});
