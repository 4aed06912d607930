import { describe, expect, it } from "vitest";
import { safeNextPath } from "./redirect";
import { isRole, roleAllows, ROLES } from "./roles";

describe("roles", () => {
  it("orders viewer < operator < admin", () => {
    expect(ROLES).toEqual(["viewer", "operator", "admin"]);
  });

  it("lets a role do what it or any lower role may do, nothing higher", () => {
    const allowed = ROLES.flatMap((have) => ROLES.filter((need) => roleAllows(have, need)).map((need) => `${have}>=${need}`));
    expect(allowed).toEqual([
      "viewer>=viewer",
      "operator>=viewer",
      "operator>=operator",
      "admin>=viewer",
      "admin>=operator",
      "admin>=admin",
    ]);
  });

  it("recognises only the three role names", () => {
    expect(isRole("admin")).toBe(true);
    expect(isRole("root")).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});

describe("safeNextPath", () => {
  it("keeps local paths with query and hash", () => {
    expect(safeNextPath("/workers?type=media#top")).toBe("/workers?type=media#top");
  });

  it.each([undefined, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "workers", "/login", "/a\nb"])(
    "sends %j to /",
    (next) => {
      expect(safeNextPath(next)).toBe("/");
    },
  );
});
