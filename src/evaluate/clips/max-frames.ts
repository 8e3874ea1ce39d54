import { ClipError } from "./clip-error.js";

/** Checks an optional frame limit: absent, or a positive integer (0 would read nothing). */
export function checkMaxFrames(maxFrames: number | undefined, what: string): void {
  if (maxFrames !== undefined && !(Number.isSafeInteger(maxFrames) && maxFrames > 0)) {
    throw new ClipError(`${what}: maxFrames must be a positive integer, got ${maxFrames}`);
  }
}
