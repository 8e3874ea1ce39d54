/**
 * The dashboard in a real browser: `codec-evolve report` builds sites from
 * ledgers of 0, 1 and 500 records, one of failures only and one whose
 * results files are partly missing; Debian's Chromium (driven by
 * playwright-core, no browser download) loads each from a local HTTP server.
 * No console error, no failed request, the charts hold what the ledger holds,
 * and an attempt's detail opens. Screenshots go to out/test/.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { chromium, type Browser, type Page } from "playwright-core";
import { syntheticLedger, writeSyntheticLedger } from "../../src/bench/synthetic-ledger.js";
import { main } from "../../src/cli/main.js";
import type { LedgerRecord } from "../../src/evolve/ledger/ledger-record.js";
import { serveFolder } from "../fixtures/static-server/static-server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = resolve("out/test");

async function report(args: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (d) => (err += d));
  const code = await main(["report", ...args], { stdout, stderr, cwd, env: {} });
  return { code, err };
}

interface Loaded {
  page: Page;
  problems: string[];
}

/** Open a site; every console error, page error, failed request and HTTP error becomes a problem. */
async function open(browser: Browser, url: string): Promise<Loaded> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning")
      problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { codecEvolveCharts?: Map<string, unknown> }).codecEvolveCharts
        ?.size,
  );
  return { page, problems };
}

/** Series name → data length of the chart drawn in element `id`. */
function seriesLengths(page: Page, id: string): Promise<Record<string, number>> {
  return page.evaluate((chartId) => {
    const charts = (
      globalThis as unknown as {
        codecEvolveCharts: Map<
          string,
          { getOption(): { series: { name?: string; data?: unknown[] }[] } }
        >;
      }
    ).codecEvolveCharts;
    const option = charts.get(chartId)!.getOption();
    return Object.fromEntries(
      option.series.map((s, i) => [s.name ?? String(i), s.data?.length ?? 0]),
    );
  }, id);
}

describe("dashboard in Chromium", () => {
  let dir: string;
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  const built: Record<string, { records: LedgerRecord[]; out: string }> = {};

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (bash scripts/setup.sh --test) or set CHROMIUM_PATH`,
      );
    }
    dir = await mkdtemp(join(tmpdir(), "dashboard-browser-"));
    await mkdir(SCREENSHOTS, { recursive: true });
    const ledgers = {
      empty: syntheticLedger(0),
      one: syntheticLedger(1),
      many: syntheticLedger(500),
      failures: syntheticLedger(30, { failuresOnly: true }),
      missing: syntheticLedger(40),
    };
    for (const [name, ledger] of Object.entries(ledgers)) {
      const { ledgerPath, resultsDir } = await writeSyntheticLedger(join(dir, name), ledger);
      if (name === "missing") {
        // Every other version loses its results file: shown as missing, not a crash.
        const versions = ledger.records.filter((r) => r.version !== null);
        for (const v of versions.filter((_, i) => i % 2 === 1))
          await unlink(join(resultsDir, `${v.id}.json`));
      }
      const out = join(dir, "sites", name);
      const { code, err } = await report(
        [
          "--out",
          out,
          "--ledger",
          ledgerPath,
          "--results",
          resultsDir,
          "--repo-url",
          "https://github.com/o/r",
        ],
        dir,
      );
      expect({ code, err }).toEqual({
        code: 0,
        err: expect.stringContaining(`dashboard of ${ledger.records.length} attempt(s)`),
      });
      built[name] = { records: ledger.records, out };
    }
    server = await serveFolder(join(dir, "sites"));
    browser = await chromium.launch({ executablePath: CHROMIUM });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("500 records: every chart holds every attempt, a version's detail opens with its RD curves", async () => {
    const { records } = built.many!;
    const { page, problems } = await open(browser, `${server.url}many/`);
    const timeline = await seriesLengths(page, "timeline");
    const versions = records.filter((r) => r.version !== null);
    expect(timeline.versions).toBe(versions.length);
    expect(timeline.rejected).toBe(records.filter((r) => r.status === "rejected").length);
    expect(timeline.failed).toBe(records.filter((r) => r.status === "failed").length);
    expect(Object.values(timeline).reduce((a, b) => a + b, 0)).toBe(500);
    const failures = await seriesLengths(page, "failures");
    expect(Object.keys(failures).sort()).toEqual(
      [...new Set(records.map((r) => r.failure?.category).filter(Boolean))].sort(),
    );
    expect(await page.locator("#attempts tbody tr").count()).toBe(500);
    expect(await page.locator("#timeline svg").count()).toBe(1);
    expect(await page.locator("#lineage svg").count()).toBe(1);

    const adopted = versions[versions.length - 1]!;
    await page.locator(`#attempts tr[data-id="${adopted.id}"]`).click();
    await page.waitForSelector(`#detail[data-id="${adopted.id}"] .rd svg`);
    expect(await page.locator("#detail .rd").count()).toBe(adopted.metrics!.clips.length);
    const rd = await seriesLengths(page, "rd-0");
    expect(rd).toEqual({ [adopted.id]: 5, parent: 5, x265: 5, jpeg: 5 });
    expect(await page.locator("#detail a").getAttribute("href")).toMatch(
      /^https:\/\/github\.com\/o\/r\/commit\//,
    );
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-500.png") });
    expect(problems).toEqual([]);
  });

  test("an empty ledger and a single seed render without errors", async () => {
    const empty = await open(browser, `${server.url}empty/`);
    expect(await empty.page.locator("#summary").textContent()).toContain("No attempts yet");
    expect(await empty.page.locator("#attempts tbody tr").count()).toBe(0);
    expect(await seriesLengths(empty.page, "timeline")).toMatchObject({ versions: 0, rejected: 0 });
    expect(empty.problems).toEqual([]);

    const one = await open(browser, `${server.url}one/#seed`);
    await one.page.waitForSelector('#detail[data-id="seed"] .rd svg');
    expect(await seriesLengths(one.page, "timeline")).toMatchObject({ versions: 1 });
    expect(await one.page.locator("#tiers tbody tr").count()).toBe(3);
    expect(one.problems).toEqual([]);
  });

  test("failures only: the failure chart and the failure detail", async () => {
    const { records } = built.failures!;
    const { page, problems } = await open(browser, `${server.url}failures/`);
    const failures = await seriesLengths(page, "failures");
    expect(Object.keys(failures).length).toBeGreaterThan(1);
    expect(await seriesLengths(page, "timeline")).toMatchObject({ versions: 0, rejected: 0 });
    const failed = records.find((r) => r.status === "failed")!;
    await page.locator(`#attempts tr[data-id="${failed.id}"]`).click();
    await page.waitForSelector(`#detail[data-id="${failed.id}"]`);
    expect(await page.locator("#detail .note").first().textContent()).toContain(
      failed.failure!.category,
    );
    expect(await page.locator("#detail .rd").count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-failures.png") });
    expect(problems).toEqual([]);
  });

  test("a version whose results file is missing is shown as such, the others keep their curves", async () => {
    const { records } = built.missing!;
    const versions = records.filter((r) => r.version !== null);
    const { page, problems } = await open(browser, `${server.url}missing/`);
    const lost = versions[1]!;
    await page.goto(`${server.url}missing/#${lost.id}`);
    await page.waitForSelector(`#detail[data-id="${lost.id}"]`);
    expect(await page.locator("#detail .results-note").textContent()).toContain(
      "results file missing",
    );
    expect(await page.locator("#detail .rd").count()).toBe(0);
    const kept = versions[0]!;
    await page.locator(`#attempts tr[data-id="${kept.id}"]`).click();
    await page.waitForSelector(`#detail[data-id="${kept.id}"] .rd svg`);
    expect(await page.locator("#detail .results-note").count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
