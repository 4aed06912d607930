import { describe, expect, it } from "vitest";
import { readBoundedJson, refuseOversizedBody, refuseUnexpectedBody } from "./body";
import { ApiError } from "./errors";
import { BODY_LIMITS, routeTable } from "./routes";

function request(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("http://fleet.local/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

/** A body sent in chunks with no Content-Length, as a chunked upload arrives. */
function chunked(total: number, chunk = 16 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= total) return ctrl.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      ctrl.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
    return "ok";
  } catch (err) {
    if (err instanceof ApiError) return `${err.status} ${err.code}`;
    throw err;
  }
}

const json = { "content-type": "application/json" };

describe("request bodies", () => {
  it("refuses a declared length above the route's limit before reading anything", async () => {
    const spec = routeTable["POST /api/workers"];
    expect(await codeOf(() => refuseOversizedBody(request(null, { "content-length": String(BODY_LIMITS.json + 1) }), spec))).toBe("413 payload_too_large");
    expect(await codeOf(() => refuseOversizedBody(request(null, { "content-length": String(BODY_LIMITS.json) }), spec))).toBe("ok");
    expect(await codeOf(() => refuseOversizedBody(request(null, { "content-length": "12abc" }), spec))).toBe("400 bad_request");
  });

  it("counts the bytes of a chunked body and stops at the limit", async () => {
    expect(await codeOf(readBoundedJson(request(chunked(BODY_LIMITS.json + 1), json), "json"))).toBe("413 payload_too_large");
    expect(await codeOf(readBoundedJson(request(chunked(10 * BODY_LIMITS.file), json), "file"))).toBe("413 payload_too_large");
  });

  it("takes only JSON, and only well-formed JSON", async () => {
    expect(await codeOf(readBoundedJson(request("{}", { "content-type": "text/plain" }), "json"))).toBe("415 unsupported_media_type");
    expect(await codeOf(readBoundedJson(request("a=1", { "content-type": "application/x-www-form-urlencoded" }), "json"))).toBe("415 unsupported_media_type");
    expect(await codeOf(readBoundedJson(request("{}"), "json"))).toBe("415 unsupported_media_type");
    expect(await codeOf(readBoundedJson(request('{"type": "generic"', json), "json"))).toBe("400 bad_request");
    expect(await codeOf(readBoundedJson(request("", json), "json"))).toBe("400 bad_request");
    expect(await codeOf(readBoundedJson(request(new Uint8Array([0x7b, 0xff, 0x7d]), json), "json"))).toBe("400 bad_request");
    expect(await readBoundedJson(request('{"type":"media"}', { "content-type": "application/json; charset=utf-8" }), "json")).toEqual({ type: "media" });
  });

  it("refuses a body sent to a route that takes none", async () => {
    expect(await codeOf(() => refuseUnexpectedBody(request("{}", { "content-length": "2" })))).toBe("400 bad_request");
    expect(await codeOf(() => refuseUnexpectedBody(request(null)))).toBe("ok");
    expect(await codeOf(() => refuseUnexpectedBody(request(null, { "content-length": "0" })))).toBe("ok");
  });
});
