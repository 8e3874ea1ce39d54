/** Keeps the first and last `limit / 2` bytes of a stream, and counts the rest. */
export class BoundedLog {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  total = 0;

  constructor(private readonly limit: number) {}

  /** Record a chunk of output. */
  append(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.limit / 2);
    if (this.headBytes < half) {
      const part = chunk.subarray(0, half - this.headBytes);
      this.head.push(Buffer.from(part));
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    const joined = Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - half)));
  }

  /** The kept text, with a marker where bytes were dropped. */
  text(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    const dropped = this.total - this.headBytes - this.tail.length;
    const marker = dropped > 0 ? `\n[... ${dropped} bytes of codec output dropped ...]\n` : "";
    return head + marker + this.tail.toString("utf8");
  }
}
