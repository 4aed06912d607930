import { describe, expect, it } from "vitest";
import { isDatabaseUnreachable } from "./unreachable";

describe("isDatabaseUnreachable", () => {
  it("recognises a refused, reset or shut-down database, through wrapped causes", () => {
    expect(isDatabaseUnreachable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnreachable(new Error("adapter failed", { cause: new Error("Connection terminated unexpectedly") }))).toBe(true);
    expect(isDatabaseUnreachable(new Error("wrapped", { cause: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }) }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("x"), { code: "P1001" }))).toBe(true);
  });

  it("does not take a refusal by a database that is there for an outage", () => {
    expect(isDatabaseUnreachable(Object.assign(new Error("duplicate key value"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnreachable(Object.assign(new Error("Unique constraint failed"), { code: "P2002" }))).toBe(false);
    expect(isDatabaseUnreachable(new Error("something else"))).toBe(false);
    const loop: { message: string; cause?: unknown } = { message: "loop" };
    loop.cause = loop;
    expect(isDatabaseUnreachable(loop)).toBe(false);
  });
});
