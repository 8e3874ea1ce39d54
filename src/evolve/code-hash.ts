/** The identity of a candidate for duplicate detection: the sha256 of its codec source. */
import { createHash } from "node:crypto";

/** sha256 (hex) of a codec's source text. */
export function codeHash(source: string): string {
  return createHash("sha256").update(source, "utf8").digest("hex");
}
