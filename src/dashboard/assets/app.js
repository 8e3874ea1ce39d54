/* The dashboard's page script: draws the charts from data.js and opens one attempt's detail on demand. */
/* global echarts */
(function () {
  "use strict";
  const data = window.CODEC_EVOLVE_INDEX;
  const charts = new Map();
  const byId = new Map(data.attempts.map((row) => [row.id, row]));

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function pct(value) {
    return value === null || value === undefined
      ? "-"
      : `${value > 0 ? "+" : ""}${value.toFixed(2)}%`;
  }

  function num(value, digits) {
    return value === null || value === undefined ? "-" : value.toFixed(digits);
  }

  /** Draw `option` into the element with id `id` and remember the chart (tests read it back). */
  function draw(node, option) {
    const existing = echarts.getInstanceByDom(node);
    if (existing) existing.dispose();
    const chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    charts.set(node.id || node, chart);
    return chart;
  }

  function outcome(row) {
    if (row.version !== null) return `${row.status} v${row.version}`;
    return row.failureCategory ? `${row.status}: ${row.failureCategory}` : row.status;
  }

  function renderSummary() {
    const counts = Object.entries(data.counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ");
    const best = data.best;
    const text =
      data.attempts.length === 0
        ? "No attempts yet: run codec-evolve evolve, then build this report again."
        : `${data.attempts.length} attempt(s): ${counts}. ` +
          (best
            ? `Best: v${best.version} (${best.id}), BD-rate vs x265 ${pct(best.bdRateX265)}, tier ${best.tier}.`
            : "No version yet.");
    document.getElementById("summary").textContent = `${text} Built ${data.generatedAt}.`;
  }

  function renderTiers() {
    const table = document.getElementById("tiers");
    table.append(
      el("thead", {}, [
        el("tr", {}, [
          el("th", { textContent: "fewer bits than x265" }),
          el("th", { textContent: "first reached by" }),
        ]),
      ]),
    );
    const body = el("tbody");
    for (const tier of data.tiers) {
      const cell = el("td");
      if (tier.reachedBy) {
        const link = el("a", {
          href: `#${encodeURIComponent(tier.reachedBy)}`,
          textContent: `v${tier.version} (${tier.reachedBy})`,
        });
        cell.append(link);
      } else cell.textContent = "not yet";
      body.append(el("tr", {}, [el("td", { textContent: tier.tier }), cell]));
    }
    table.append(body);
  }

  const COLUMNS = [
    ["#", (r) => String(r.index), "num"],
    ["id", (r) => r.id, ""],
    ["outcome", outcome, ""],
    ["BD vs x265", (r) => pct(r.bdRateX265), "num"],
    ["bits vs x265", (r) => (r.bitsVsX265 === null ? "-" : `${r.bitsVsX265.toFixed(1)}%`), "num"],
    ["BD vs parent", (r) => pct(r.bdRateParent), "num"],
    ["Mbps", (r) => num(r.meanMbps, 3), "num"],
    ["PSNR-RGB", (r) => num(r.meanPsnrRgb, 2), "num"],
    ["tier", (r) => r.tier, ""],
    ["parent", (r) => r.parentId || "-", ""],
    ["proposer", (r) => r.proposer, ""],
    ["hypothesis", (r) => r.hypothesis, "text"],
  ];

  function renderAttempts() {
    const table = document.getElementById("attempts");
    table.append(
      el("thead", {}, [
        el(
          "tr",
          {},
          COLUMNS.map(([name]) => el("th", { textContent: name })),
        ),
      ]),
    );
    const body = el("tbody");
    // Newest first: the latest attempts are what people look for.
    for (const row of [...data.attempts].reverse()) {
      const tr = el(
        "tr",
        { className: `status-${row.status}` },
        COLUMNS.map(([, cell, kind]) => el("td", { className: kind, textContent: cell(row) })),
      );
      tr.dataset.id = row.id;
      tr.addEventListener("click", () => openAttempt(row.id));
      body.append(tr);
    }
    table.append(body);
  }

  function renderCharts() {
    draw(document.getElementById("timeline"), data.charts.timeline).on("click", (params) => {
      if (params.data && params.data.name) openAttempt(params.data.name);
    });
    draw(document.getElementById("failures"), data.charts.failures);
    const lineage = document.getElementById("lineage");
    lineage.style.height = `${Math.max(300, Math.min(20000, data.lineageLeaves * 16 + 80))}px`;
    draw(lineage, data.charts.lineage).on("click", (params) => {
      if (params.name && byId.has(params.name)) openAttempt(params.name);
    });
  }

  function openAttempt(id) {
    const row = byId.get(id);
    if (!row) return;
    if (decodeURIComponent(location.hash.slice(1)) !== id)
      history.replaceState(null, "", `#${encodeURIComponent(id)}`);
    for (const tr of document.querySelectorAll("#attempts tr.selected"))
      tr.classList.remove("selected");
    const tr = document.querySelector(`#attempts tr[data-id="${CSS.escape(id)}"]`);
    if (tr) tr.classList.add("selected");
    const script = document.createElement("script");
    script.src = `attempts/${encodeURIComponent(row.file)}.js`;
    script.onerror = () => showDetailError(row, `attempts/${row.file}.js could not be loaded`);
    script.onload = () => script.remove();
    document.head.append(script);
  }

  function showDetailError(row, message) {
    const section = document.getElementById("detail");
    section.hidden = false;
    document.getElementById("detail-title").textContent = row.id;
    document
      .getElementById("detail-body")
      .replaceChildren(el("p", { className: "note", textContent: message }));
    document.getElementById("detail-charts").replaceChildren();
  }

  function renderDetail(detail) {
    const row = detail.row;
    const section = document.getElementById("detail");
    section.hidden = false;
    section.dataset.id = row.id;
    document.getElementById("detail-title").textContent = `${row.id}: ${outcome(row)}`;
    const facts = [
      ["hypothesis", row.hypothesis || "-"],
      ["rationale", detail.rationale || "-"],
      ["parent", row.parentId || "-"],
      ["proposer", row.proposer],
      ["run", `${row.runId}, generation ${row.generation}`],
      [
        "BD-rate vs x265",
        `${pct(row.bdRateX265)} (bits at equal quality: ${row.bitsVsX265 === null ? "-" : row.bitsVsX265.toFixed(1) + "% of x265"})`,
      ],
      ["BD-rate vs parent", pct(row.bdRateParent)],
      ["mean Mbps / PSNR-RGB", `${num(row.meanMbps, 3)} / ${num(row.meanPsnrRgb, 2)} dB`],
      ["tier", row.tier],
      [
        "verdict",
        detail.verdict
          ? `${detail.verdict.adopt ? "adopt" : "reject"}: ${detail.verdict.reason}`
          : "-",
      ],
      [
        "edits",
        detail.edits.map((e) => `${e.path} +${e.linesAdded} -${e.linesRemoved}`).join(", ") || "-",
      ],
      ["finished", row.finishedAt],
    ];
    const list = el("dl");
    for (const [name, value] of facts)
      list.append(el("dt", { textContent: name }), el("dd", { textContent: value }));
    const commitCell = el("dd");
    const commit = detail.versionCommit || detail.commit;
    if (detail.diffUrl && /^https?:\/\//.test(detail.diffUrl)) {
      commitCell.append(
        el("a", {
          href: detail.diffUrl,
          textContent: `diff ${commit.slice(0, 10)}`,
          rel: "noopener",
        }),
      );
    } else commitCell.textContent = commit ? commit.slice(0, 10) : "-";
    list.append(el("dt", { textContent: "commit" }), commitCell);
    const body = [list];
    if (detail.failure) {
      const f = detail.failure;
      body.push(
        el("p", {
          className: "note",
          textContent: `failure (${f.category}${f.stage ? `, ${f.stage}` : ""}): ${f.message}`,
        }),
      );
      if (f.traceback) body.push(el("pre", { textContent: f.traceback }));
    }
    if (detail.resultsNote)
      body.push(el("p", { className: "note results-note", textContent: detail.resultsNote }));
    if (detail.clipMetrics.length > 0) {
      const table = el("table", { className: "clips" }, [
        el("thead", {}, [
          el(
            "tr",
            {},
            ["clip", "BD vs x265", "BD vs parent", "Mbps", "ratio", "PSNR-RGB"].map((h) =>
              el("th", { textContent: h }),
            ),
          ),
        ]),
        el(
          "tbody",
          {},
          detail.clipMetrics.map((c) =>
            el("tr", {}, [
              el("td", { textContent: c.name }),
              el("td", { className: "num", textContent: pct(c.bdRateX265) }),
              el("td", { className: "num", textContent: pct(c.bdRateParent) }),
              el("td", { className: "num", textContent: num(c.meanMbps, 3) }),
              el("td", { className: "num", textContent: `${num(c.compressionRatio, 1)}x` }),
              el("td", { className: "num", textContent: num(c.meanPsnrRgb, 2) }),
            ]),
          ),
        ),
      ]);
      body.push(table);
    }
    document.getElementById("detail-body").replaceChildren(...body);
    const holder = document.getElementById("detail-charts");
    for (const node of holder.querySelectorAll(".rd")) {
      const chart = echarts.getInstanceByDom(node);
      if (chart) chart.dispose();
    }
    holder.replaceChildren();
    detail.rdCharts.forEach((rd, i) => {
      const node = el("div", { className: "rd", id: `rd-${i}` });
      node.dataset.clip = rd.clip;
      holder.append(node);
      draw(node, rd.option);
    });
    section.scrollIntoView({ block: "start" });
  }

  window.codecEvolveDetail = renderDetail;
  window.codecEvolveCharts = charts;

  renderSummary();
  renderTiers();
  renderCharts();
  renderAttempts();
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  window.addEventListener("hashchange", () =>
    openAttempt(decodeURIComponent(location.hash.slice(1))),
  );
  if (location.hash.length > 1) openAttempt(decodeURIComponent(location.hash.slice(1)));
})();
