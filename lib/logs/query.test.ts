import { describe, expect, it } from "vitest";
import { handleApiError } from "@/lib/api/errors";
import { FleetError } from "@/lib/errors";
import { parseLogRequest } from "./query";
import { lineMatcher } from "./search";
import { engineSeconds, fixedTs, resolveTimeBound } from "./time";

const parse = (q: string, opts = {}) => parseLogRequest(new URLSearchParams(q), opts);
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    // The status the API answers with: the library throws FleetError, the edge maps it.
    return err instanceof FleetError ? handleApiError(err).status : (err as { name?: string }).name === "ZodError" ? 400 : 500;
  }
  return 200;
};

describe("parseLogRequest", () => {
  it("reads the whitelisted parameters and resolves the selector", () => {
    const r = parse("workers=a,b,a&tail=10&follow=1&q=Error");
    expect(r).toMatchObject({ selector: { kind: "names", names: ["a", "b"] }, tail: 10, follow: true, after: null });
    expect(r.matcher!("an ERROR here")).toBe(true);
    expect(parse("workers=type:media").selector).toEqual({ kind: "type", type: "media" });
    expect(parse("", { worker: "generic_worker1" }).selector).toEqual({ kind: "names", names: ["generic_worker1"] });
  });

  it("refuses unknown, repeated and out-of-bound parameters with 400", () => {
    for (const q of ["tail=10001", "tail=-1", "since=garbage", "until=tomorrow-ish", "x=1", "tail=1&tail=2", "workers=type:bogus", "regex=1&q=(", "regex=1&q=(a)%5C1", "since=1h&until=2h"]) {
      expect(status(() => parse(q)), q).toBe(400);
    }
    expect(status(() => parse("workers=a", { worker: "a" }))).toBe(400); // the worker is the path's
    expect(status(() => parse("", { lastEventId: "not a ts" }))).toBe(400);
  });

  it("turns a Last-Event-ID into the resume point", () => {
    expect(parse("follow=1", { lastEventId: "2026-11-26T18:00:00.123456789Z" }).after).toBe("2026-11-26T18:00:00.123456789Z");
  });
});

describe("time bounds", () => {
  it("keeps nanoseconds and sorts as strings", () => {
    expect(fixedTs("2026-11-26T18:00:00.5Z")).toBe("2026-11-26T18:00:00.500000000Z");
    expect(fixedTs("2026-11-26T20:00:00.123456789+02:00")).toBe("2026-11-26T18:00:00.123456789Z");
    expect(engineSeconds("2026-11-26T18:00:00.123456789Z")).toBe(`${Date.UTC(2026, 10, 26, 18) / 1000}.123456789`);
    expect(resolveTimeBound("90s", Date.UTC(2026, 10, 26, 18))).toBe("2026-11-26T17:58:30.000000000Z");
    expect(fixedTs("garbage")).toBeNull();
  });
});

describe("lineMatcher", () => {
  it("searches plain text case-insensitively and regexes as written, nested repeats in linear time, backreferences refused", () => {
    expect(lineMatcher("GET-12", false)!("… - get-12 - …")).toBe(true);
    expect(lineMatcher("a.c", false)!("abc")).toBe(false);
    expect(lineMatcher("a.c", true)!("ABC")).toBe(true);
    expect(lineMatcher(undefined, true)).toBeNull();
    expect(lineMatcher("(\\w+\\s?)*$", true)!("a".repeat(5000) + "!")).toBe(true);
    expect(lineMatcher("(a|aa)+", true)!("xaay")).toBe(true);
    expect(() => lineMatcher("(a)\\1", true)).toThrow(FleetError);
    expect(lineMatcher("(GET|POST)-\\d+", true)!("PUT-1 POST-2")).toBe(true);
  });
});
