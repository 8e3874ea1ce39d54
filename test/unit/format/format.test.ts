/** The one signed-percent rendering and the one text table. */
import { signedNumber, signedPercent } from "../../../src/format/signed-percent.js";
import { renderTextTable } from "../../../src/format/text-table.js";

describe("signedPercent", () => {
  it.each([
    [12.345, "+12.35%"],
    [-4.5, "-4.50%"],
    [0, "0.00%"],
    [-0.001, "0.00%"],
    [0.001, "0.00%"],
    [null, "n/a"],
  ])("%p -> %s", (value, text) => expect(signedPercent(value)).toBe(text));

  it("takes the digits and renders plain signed numbers the same way", () => {
    expect(signedPercent(-51.26, 1)).toBe("-51.3%");
    expect(signedNumber(0.5)).toBe("+0.50");
    expect(signedNumber(-0.004)).toBe("0.00");
  });
});

describe("renderTextTable", () => {
  const rows = [
    ["codec", "q", "Mbps"],
    ["candidate", "20", "1.5"],
    ["x265", "crf=30", "12.25"],
  ];

  it("pads left-aligned columns and trims the line ends", () => {
    expect(renderTextTable(rows, { rule: true })).toBe(
      [
        "codec      q       Mbps",
        "---------  ------  -----",
        "candidate  20      1.5",
        "x265       crf=30  12.25",
      ].join("\n"),
    );
  });

  it("right-aligns numeric columns and tolerates short rows", () => {
    expect(renderTextTable([...rows, ["jpeg"]], { rightAlignFrom: 2 })).toBe(
      [
        "codec      q        Mbps",
        "candidate  20        1.5",
        "x265       crf=30  12.25",
        "jpeg",
      ].join("\n"),
    );
  });
});
