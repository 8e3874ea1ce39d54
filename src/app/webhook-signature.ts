/**
 * GitHub's webhook signature check (X-Hub-Signature-256: "sha256=" + HMAC-SHA256
 * of the raw body with the webhook secret), synchronous: a burst of deliveries
 * does not queue one Web Crypto job each on the thread pool the journal's
 * fdatasync also needs.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** True when `signature` signs `body` with `secret`; compared in constant time. */
export function verifySignature(secret: string, body: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
