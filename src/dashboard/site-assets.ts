/** Files the dashboard is made of besides its data: the page, its script and style, and ECharts itself. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PAGE_ASSETS = ["index.html", "app.js", "style.css"] as const;

/** src/dashboard/assets, found from this module in src/ or dist/ (tsc does not copy them). */
export function assetsDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "src", "dashboard", "assets");
    if (existsSync(join(dir, "package.json")) && existsSync(join(candidate, "app.js"))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `codec-evolve: cannot find src/dashboard/assets above ${fileURLToPath(import.meta.url)}; reinstall the package`,
      );
    }
    dir = parent;
  }
}

/** The minified ECharts browser build from node_modules, copied into the site so it needs no CDN. */
export function echartsBrowserBuild(): string {
  return createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
}
