import { parseHiddenBlock, renderHiddenBlock } from "../../../src/github/hidden-block.js";

describe("hidden blocks", () => {
  it("round-trips a value through markdown around it", () => {
    const value = { candidate: "c0012", parent: "v3", bdRate: { x265: 41.2 } };
    const markdown = `# Title\n\ntext\n${renderHiddenBlock("meta", value)}\nmore`;
    expect(parseHiddenBlock(markdown, "meta")).toEqual(value);
    expect(parseHiddenBlock(markdown, "result")).toBeUndefined();
  });

  it("cannot be closed early by a string holding -->", () => {
    const value = { reason: "x --> <script>alert(1)</script>" };
    const block = renderHiddenBlock("result", value);
    expect(block.indexOf("-->")).toBe(block.length - 3);
    expect(parseHiddenBlock(block, "result")).toEqual(value);
  });

  it("returns undefined for a block that is not JSON", () => {
    expect(parseHiddenBlock("<!-- codec-evolve:meta {nope -->", "meta")).toBeUndefined();
  });
});
