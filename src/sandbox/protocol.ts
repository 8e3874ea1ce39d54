/**
 * The harness protocol (see harness.py): 1 byte kind, 4 bytes little-endian
 * body length, body. Pixels and payloads travel as raw bytes, never JSON.
 */

export type HostMessageKind = "S" | "F" | "P" | "E";
export type HarnessMessageKind = "R" | "O" | "X" | "B";

export interface HarnessMessage {
  kind: HarnessMessageKind;
  body: Buffer;
}

const HARNESS_KINDS = new Set<string>(["R", "O", "X", "B"]);

/** Frame one message for the harness. */
export function encodeMessage(kind: HostMessageKind, body: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.write(kind, 0, "latin1");
  header.writeUInt32LE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** A message carrying a frame index before its data (frames and payloads). */
export function indexedBody(index: number, data: Uint8Array): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(index, 0);
  return Buffer.concat([prefix, data]);
}

/**
 * An output message body: frame index, the codec's own wall-clock seconds for the
 * call, the process's CPU seconds since the previous answer (every thread), the data.
 */
export function parseOutput(body: Buffer): {
  index: number;
  seconds: number;
  cpuSeconds: number;
  data: Buffer;
} {
  if (body.length < 20) throw new Error(`output message of ${body.length} bytes is too short`);
  return {
    index: body.readUInt32LE(0),
    seconds: body.readDoubleLE(4),
    cpuSeconds: body.readDoubleLE(12),
    data: body.subarray(20),
  };
}

/** Splits the harness's stdout into messages; refuses unknown kinds and bodies over the limit. */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBody: number) {}

  /** Add bytes; returns the complete messages, throws on a protocol violation. */
  push(chunk: Buffer): HarnessMessage[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: HarnessMessage[] = [];
    for (;;) {
      if (this.buffered < 5) return messages;
      const head = this.peek(5);
      const kind = String.fromCharCode(head[0] ?? 0);
      const length = head.readUInt32LE(1);
      if (!HARNESS_KINDS.has(kind)) throw new Error(`unknown message kind ${JSON.stringify(kind)}`);
      if (length > this.maxBody)
        throw new Error(`message of ${length} bytes exceeds the limit of ${this.maxBody}`);
      if (this.buffered < 5 + length) return messages;
      const whole = this.take(5 + length);
      messages.push({ kind: kind as HarnessMessageKind, body: whole.subarray(5) });
    }
  }

  private peek(size: number): Buffer {
    if ((this.chunks[0]?.length ?? 0) < size) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, size);
  }

  private take(size: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const taken = Buffer.from(all.subarray(0, size));
    const rest = all.subarray(size);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
