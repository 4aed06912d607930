import { describe, expect, it } from "vitest";
import { safeNextPath, signInPathFor } from "./redirect";

// Values an attacker could put in /login?next=… (as Next hands them over: already decoded once).
const HOSTILE = [
  "//evil.example",
  "///evil.example",
  "/.//evil.example",
  "/././/evil.example",
  "/..//evil.example",
  "/../..//evil.example",
  "/%2F%2Fevil.example",
  "/%2f/evil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "https://evil.example",
  "http:/evil.example",
  "HTTPS://evil.example/",
  "\t//evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/%09/evil.example",
  "/%0a/evil.example",
  "/%00/evil.example",
  " //evil.example",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "/javascript:alert(1)//%0a",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  "@evil.example",
  "/@evil.example/..//x",
  "/\u0085/evil.example",
  "/\u007f/evil.example",
  "/login",
  "/login/",
  "/login?next=//evil.example",
  "/LOGIN",
  "/%6Cogin",
  "/x/../login",
  "/%2e%2e/login",
  "",
  "/" + "a".repeat(3000),
];

describe("safeNextPath", () => {
  it.each(HOSTILE.map((v) => [JSON.stringify(v), v]))("sends %s home", (_label, value) => {
    expect(safeNextPath(value)).toBe("/");
  });

  it("never returns anything a browser could read as another host", () => {
    // Whatever comes back, resolved against our origin it stays on our origin.
    for (const value of HOSTILE) {
      const out = safeNextPath(value);
      expect(new URL(out, "https://fleet.example").origin).toBe("https://fleet.example");
      expect(out.startsWith("//") || out.startsWith("/\\")).toBe(false);
    }
  });

  it("keeps local paths with their query and fragment", () => {
    expect(safeNextPath("/")).toBe("/");
    expect(safeNextPath("/workers/media1")).toBe("/workers/media1");
    expect(safeNextPath("/history?page=2#op-7")).toBe("/history?page=2#op-7");
    expect(safeNextPath("/logs?q=%2F%2Fnot-a-host")).toBe("/logs?q=%2F%2Fnot-a-host");
    expect(safeNextPath("/a/./b/../c")).toBe("/a/c");
    expect(safeNextPath("/loginx")).toBe("/loginx");
  });

  it("takes the first of repeated parameters, and nothing from an absent one", () => {
    expect(safeNextPath(["/workers", "//evil.example"])).toBe("/workers");
    expect(safeNextPath(["//evil.example", "/workers"])).toBe("/");
    expect(safeNextPath([])).toBe("/");
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath(undefined)).toBe("/");
  });
});

describe("signInPathFor", () => {
  it("sends a signed-out visit to the sign-in page with the page asked for as next", () => {
    expect(signInPathFor("/metrics?range=6h&workers=main")).toBe(`/login?next=${encodeURIComponent("/metrics?range=6h&workers=main")}`);
    expect(signInPathFor("/workers/generic_worker1?_rsc=abc12")).toBe(`/login?next=${encodeURIComponent("/workers/generic_worker1")}`);
    expect(safeNextPath(new URLSearchParams(signInPathFor("/history?page=2").split("?")[1]).get("next"))).toBe("/history?page=2");
  });

  it("gives the plain sign-in page for the root, nothing, or a target the sign-in page would refuse", () => {
    for (const asked of [null, "", "/", "/?_rsc=1", "//evil.example/x", "/login?next=/x", "http://evil.example/", "/\\evil"]) {
      expect(signInPathFor(asked), String(asked)).toBe("/login");
    }
  });
});
