import { createHash } from "node:crypto";

/** A config file's version: the sha256 of its bytes. A save names the version it was made on. */
export function fileVersion(bytes: string | Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
