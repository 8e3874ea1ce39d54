/**
 * An append-only file whose appends are durable when they resolve, with group
 * commit: appends that arrive while a flush is under way wait for the next
 * one and are written and fdatasync'ed together. A burst of N appends costs a
 * handful of disk flushes, not N, and none of them waits for more than one
 * flush ahead of it.
 */
import { open, type FileHandle } from "node:fs/promises";

interface Waiter {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Journal {
  private batch: Waiter[] = [];
  private flushing: Promise<void> | null = null;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /** Open `path` for appending (created when absent). */
  static async open(path: string): Promise<Journal> {
    return new Journal(await open(path, "a"), path);
  }

  /** Append `text`; resolves once it is on disk (written and fdatasync'ed). */
  append(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.batch.push({ text, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      try {
        await this.handle.write(batch.map((w) => w.text).join(""));
        await this.handle.datasync();
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = null;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}
