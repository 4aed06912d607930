import { describe, expect, it } from "vitest";
import { jsonResponse } from "./json";

describe("jsonResponse", () => {
  it("answers the JSON with its status and headers, stating its size in bytes", async () => {
    const res = jsonResponse({ name: "Zoë ✓" }, { status: 201, headers: { "Cache-Control": "no-store" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ name: "Zoë ✓" });
    expect(Number(res.headers.get("x-fleet-body-bytes"))).toBe(Buffer.byteLength(text));
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
  });

  it("refuses what JSON cannot carry, as Response.json does", () => {
    expect(() => jsonResponse(undefined)).toThrow(TypeError);
    expect(() => jsonResponse(() => 1)).toThrow(TypeError);
  });
});
