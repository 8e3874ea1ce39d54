/**
 * Cuts a byte stream of raw video (ffmpeg's rawvideo on a pipe) into frames of
 * a fixed size as they arrive, so a consumer holds one frame, not the clip.
 */
import type { Readable } from "node:stream";

/** What is left when the stream ended: bytes that did not make a whole frame. */
export interface RawFrameTail {
  leftover: number;
}

/**
 * Yields each whole frame (a fresh Buffer of `frameSize` bytes) in order; the
 * return value says how many bytes were left over at the end (0 for a clean
 * stream). Reading pauses while the consumer works (backpressure).
 */
export async function* rawFrames(
  stream: Readable,
  frameSize: number,
): AsyncGenerator<Buffer, RawFrameTail> {
  let frame = Buffer.allocUnsafe(frameSize);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frameSize - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + take);
      filled += take;
      offset += take;
      if (filled === frameSize) {
        yield frame;
        frame = Buffer.allocUnsafe(frameSize);
        filled = 0;
      }
    }
  }
  return { leftover: filled };
}
