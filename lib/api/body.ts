import "server-only";
import { ApiError } from "./errors";
import { BODY_LIMITS, type RouteSpec } from "./routes";

/** What a route without a body may still be sent before it is refused unread. */
const NO_BODY_LIMIT = BODY_LIMITS.json;

function declaredLength(req: Request): number | null {
  const raw = req.headers.get("content-length");
  if (raw === null) return null;
  if (!/^\d{1,15}$/.test(raw.trim())) throw new ApiError("bad_request", "Content-Length must be a number of bytes");
  return Number(raw.trim());
}

/** A declared body larger than the route takes is refused before anything else is done. */
export function refuseOversizedBody(req: Request, spec: RouteSpec): void {
  const limit = spec.body ? BODY_LIMITS[spec.body.limit] : NO_BODY_LIMIT;
  const length = declaredLength(req);
  if (length !== null && length > limit) throw new ApiError("payload_too_large", `Request body is ${length} bytes; this route takes at most ${limit}`);
}

/** A route that takes no body refuses one, so a caller never believes its input was read. */
export function refuseUnexpectedBody(req: Request): undefined {
  const length = declaredLength(req);
  if ((length !== null && length > 0) || (length === null && req.headers.has("transfer-encoding"))) {
    throw new ApiError("bad_request", "This route takes no request body");
  }
  return undefined;
}

function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const essence = contentType.split(";")[0].trim().toLowerCase();
  return essence === "application/json";
}

/**
 * A request body as text, read up to `limit` bytes: 413 as soon as more arrive (a chunked body has
 * no Content-Length to trust), 400 when it is not UTF-8.
 */
export async function readBoundedText(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new ApiError("payload_too_large", `Request body exceeds ${limit} bytes`);
      }
      chunks.push(value);
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ApiError("bad_request", "Request body is not valid UTF-8");
  }
}

/**
 * Reads a JSON body of at most the route's limit: 415 unless it says application/json, 413 as
 * soon as more bytes arrive than allowed (a chunked body has no Content-Length to trust), 400
 * when it is not one JSON value.
 */
export async function readBoundedJson(req: Request, limitName: keyof typeof BODY_LIMITS): Promise<unknown> {
  const limit = BODY_LIMITS[limitName];
  if (!isJsonType(req.headers.get("content-type"))) throw new ApiError("unsupported_media_type", "Request body must be JSON (Content-Type: application/json)");
  if (!req.body) throw new ApiError("bad_request", "Request body must be JSON; it is empty");
  const text = await readBoundedText(req.body, limit);
  if (text.trim() === "") throw new ApiError("bad_request", "Request body must be JSON; it is empty");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError("bad_request", `Request body is not valid JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}
