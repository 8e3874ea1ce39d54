/**
 * A clip that cannot be read or written. The message names the file, where in
 * it the problem is (byte offset or frame number) and what was expected, so a
 * user can fix the input without reading our code.
 */
export class ClipError extends Error {
  override readonly name = "ClipError";
}
