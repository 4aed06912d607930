import "server-only";
import { createHash, randomBytes } from "node:crypto";

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** SHA-256 hex digest: how session and API tokens are stored (they are high-entropy, so no salt). */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
