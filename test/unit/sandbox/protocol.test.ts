import { BoundedLog } from "../../../src/sandbox/bounded-log.js";
import {
  encodeMessage,
  indexedBody,
  MessageReader,
  parseOutput,
} from "../../../src/sandbox/protocol.js";

function harnessMessage(kind: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(kind, 0, "latin1");
  header.writeUInt32LE(body.length, 1);
  return Buffer.concat([header, body]);
}

describe("protocol", () => {
  it("frames host messages with kind and little-endian length", () => {
    const message = encodeMessage("F", indexedBody(7, Buffer.from([1, 2, 3])));
    expect([...message]).toEqual([0x46, 7, 0, 0, 0, 7, 0, 0, 0, 1, 2, 3]);
  });

  it("reassembles harness messages split across chunks", () => {
    const body = Buffer.alloc(20 + 5);
    body.writeUInt32LE(3, 0);
    body.writeDoubleLE(0.25, 4);
    body.writeDoubleLE(0.5, 12);
    body.set([9, 8, 7, 6, 5], 20);
    const bytes = Buffer.concat([harnessMessage("O", body), harnessMessage("B", Buffer.alloc(0))]);
    const reader = new MessageReader(1024);
    const seen = [];
    for (let i = 0; i < bytes.length; i += 3) seen.push(...reader.push(bytes.subarray(i, i + 3)));
    expect(seen.map((m) => m.kind)).toEqual(["O", "B"]);
    const output = parseOutput(seen[0]!.body);
    expect(output).toMatchObject({ index: 3, seconds: 0.25, cpuSeconds: 0.5 });
    expect([...output.data]).toEqual([9, 8, 7, 6, 5]);
  });

  it("refuses an output body shorter than its header (index, wall and CPU seconds)", () => {
    expect(() => parseOutput(Buffer.alloc(19))).toThrow(/19 bytes is too short/);
    expect(parseOutput(Buffer.alloc(20)).data).toHaveLength(0);
  });

  it("refuses unknown kinds and oversized bodies", () => {
    expect(() => new MessageReader(1024).push(harnessMessage("Z", Buffer.alloc(1)))).toThrow(
      /unknown message kind/,
    );
    expect(() => new MessageReader(10).push(harnessMessage("O", Buffer.alloc(11)))).toThrow(
      /exceeds the limit/,
    );
  });
});

describe("bounded log", () => {
  it("keeps head and tail and counts what it dropped", () => {
    const log = new BoundedLog(10);
    log.append(Buffer.from("abcdefghij"));
    log.append(Buffer.from("klmnopqrstuvwxyz"));
    expect(log.total).toBe(26);
    expect(log.text()).toBe("abcde\n[... 16 bytes of codec output dropped ...]\nvwxyz");
  });
});
