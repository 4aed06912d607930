// Read, and removed, by scripts/server.mjs. Next drops a route's own Content-Length.
const SIZE_HEADER = "x-fleet-body-bytes";

/**
 * A JSON answer that states its size, as Response.json otherwise. Next streams every body, so the
 * production server (scripts/server.mjs) cannot see how large an answer is and would gzip even a
 * few bytes; told the size, it sends small answers as they are, which is cheaper on both ends.
 */
export function jsonResponse(value: unknown, init: ResponseInit = {}): Response {
  const body = JSON.stringify(value) as string | undefined;
  if (body === undefined) throw new TypeError("the answer is not JSON-serialisable");
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  headers.set(SIZE_HEADER, String(Buffer.byteLength(body)));
  return new Response(body, { ...init, headers });
}
