import { describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import { parsePanelParams } from "./params";

const now = 1_796_125_143;
const parse = (qs: string) => parsePanelParams(new URLSearchParams(qs), now);

function refusal(qs: string): FleetError {
  try {
    parse(qs);
  } catch (err) {
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe("invalid");
    return err as FleetError;
  }
  throw new Error(`${qs} was accepted`);
}

describe("panel parameters", () => {
  it("defaults to the last hour, all workers, 1000 px", () => {
    expect(parse("")).toEqual({ start: now - 3600, end: now, range: "1h", workers: [], width: 1000 });
  });

  it("reads each named range", () => {
    expect(parse("range=15m").start).toBe(now - 900);
    expect(parse("range=6h").start).toBe(now - 21_600);
    expect(parse("range=24h").start).toBe(now - 86_400);
    expect(parse("range=7d")).toMatchObject({ start: now - 604_800, end: now, range: "7d" });
  });

  it("reads start and end, workers and width", () => {
    expect(parse(`start=${now - 100}&end=${now - 10}.5&workers=main,generic_worker1,main&width=2000`)).toEqual({
      start: now - 100,
      end: now - 9.5,
      range: null,
      workers: ["main", "generic_worker1"],
      width: 2000,
    });
    expect(parse(`start=${now - 604_740}&end=${now + 60}`).end).toBe(now + 60);
    expect(parse("width=100").width).toBe(100);
  });

  it("refuses unknown and repeated parameters", () => {
    expect(refusal("step=5").message).toContain('Unknown parameter "step"');
    expect(refusal("range=1h&range=6h").message).toContain("more than once");
    expect(refusal("workers=a&workers=b").details).toEqual({ parameter: "workers" });
  });

  it("refuses a range outside the list", () => {
    for (const r of ["2h", "", "1H", "30d"]) expect(refusal(`range=${r}`).details).toEqual({ parameter: "range" });
  });

  it("refuses bad start/end combinations and values", () => {
    expect(refusal(`range=1h&start=${now - 10}&end=${now}`).message).toContain("not both");
    expect(refusal(`start=${now - 10}`).message).toContain("go together");
    expect(refusal(`end=${now}`).message).toContain("go together");
    expect(refusal(`start=abc&end=${now}`).details).toEqual({ parameter: "start" });
    expect(refusal(`start=-5&end=${now}`).details).toEqual({ parameter: "start" });
    expect(refusal(`start=1e9&end=${now}`).details).toEqual({ parameter: "start" });
    expect(refusal(`start=${now - 10}&end=${now}.1234`).details).toEqual({ parameter: "end" });
    expect(refusal(`start=${now}&end=${now}`).message).toContain("after start");
    expect(refusal(`start=${now}&end=${now - 10}`).message).toContain("after start");
    expect(refusal(`start=${now - 604_801}&end=${now}`).message).toContain("7 days");
    expect(refusal(`start=${now - 10}&end=${now + 61}`).message).toContain("future");
  });

  it("refuses a width outside 100…2000 px or not a whole number", () => {
    for (const w of ["99", "2001", "1e3", "500.5", "", "-100", "abc"]) expect(refusal(`width=${w}`).details).toEqual({ parameter: "width" });
  });

  it("refuses more than 50 workers, empty, overlong and control-character names", () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `w${i}`);
    expect(parse(`workers=${fifty.join(",")}`).workers).toHaveLength(50);
    expect(refusal(`workers=${[...fifty, "w50"].join(",")}`).message).toContain("At most 50");
    expect(refusal("workers=").message).toContain("empty");
    expect(refusal("workers=a,,b").message).toContain("empty");
    expect(refusal(`workers=${"x".repeat(101)}`).message).toContain("at most 100");
    expect(refusal("workers=a%0Ab").message).toContain("control");
    expect(refusal(`workers=${"x,".repeat(3000)}`).details).toEqual({ parameter: "workers" });
  });
});
