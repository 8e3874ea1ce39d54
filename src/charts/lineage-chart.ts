/**
 * The lineage: which attempt each candidate was edited from, as a tree.
 * Records whose parent is not in the ledger (the seed, or a ledger cut short)
 * hang under one root so the tree is whole.
 */
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import { STATUS_COLOURS } from "./codec-colours.js";
import type { ChartOption } from "./render-chart.js";

/** A node of the lineage tree; `name` is the attempt id. */
export interface LineageNode {
  name: string;
  value: string;
  itemStyle?: { color: string };
  children: LineageNode[];
}

/** Parent → children tree of the ledger under a root named "ledger". */
export function lineageTree(records: readonly LedgerRecord[]): LineageNode {
  const root: LineageNode = { name: "ledger", value: "", children: [] };
  const nodes = new Map<string, LineageNode>();
  for (const record of records) {
    nodes.set(record.id, {
      name: record.id,
      value: record.version !== null ? `v${record.version}` : record.status,
      itemStyle: { color: statusColour(record) },
      children: [],
    });
  }
  for (const record of records) {
    const parent = record.parentId ? nodes.get(record.parentId) : undefined;
    // A record listed twice keeps its first place; a self-parent would make a cycle.
    const node = nodes.get(record.id)!;
    if (parent && parent !== node) parent.children.push(node);
    else root.children.push(node);
  }
  return root;
}

/** Leaves of a tree: how many rows its drawing needs. */
export function leafCount(node: LineageNode): number {
  return node.children.length === 0 ? 1 : node.children.reduce((n, c) => n + leafCount(c), 0);
}

/** The ECharts option of the lineage tree. */
export function lineageChartOption(records: readonly LedgerRecord[]): ChartOption {
  const tree = lineageTree(records);
  return {
    backgroundColor: "#ffffff",
    title: { text: "Lineage (parent → child)", left: "center", textStyle: { fontSize: 15 } },
    tooltip: { trigger: "item" },
    series: [
      {
        type: "tree",
        data: [tree],
        orient: "LR",
        top: 40,
        bottom: 20,
        left: 60,
        right: 120,
        symbolSize: 8,
        initialTreeDepth: -1,
        expandAndCollapse: false,
        label: { position: "left", fontSize: 10 },
        leaves: { label: { position: "right" } },
      },
    ],
  };
}

function statusColour(record: LedgerRecord): string {
  if (record.version !== null) return STATUS_COLOURS.version;
  switch (record.status) {
    case "failed":
      return STATUS_COLOURS.failed;
    case "invalid":
      return STATUS_COLOURS.invalid;
    case "duplicate":
      return STATUS_COLOURS.duplicate;
    default:
      return STATUS_COLOURS.rejected;
  }
}
