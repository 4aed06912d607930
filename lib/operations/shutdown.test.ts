import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { handleApiError } from "@/lib/api/errors";
import { admitOperation, OperationDrain, operationDrain, ShuttingDownError } from "./shutdown";
import { beginOperation } from "./service";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("OperationDrain", () => {
  it("with nothing in flight, ends at once and refuses new operations from then on", async () => {
    const d = new OperationDrain();
    const report = await d.drain({ signal: "SIGTERM", graceMs: 60_000 });
    expect(report).toMatchObject({ endedInGrace: true, stopped: [] });
    expect(report.waitedMs).toBeLessThan(5_000);
    expect(d.stoppingSignal).toBe("SIGTERM");
    expect(d.tryAdmit("add_worker", { abortable: true })).toBeNull();
    // A put-back is what leaves the deployment whole: still admitted, and never given a signal.
    const putBack = d.tryAdmit("putting back op1", { abortable: false });
    expect(typeof putBack?.end).toBe("function");
    expect(putBack?.signal).toBeUndefined();
  });

  it("waits for an operation that ends within the grace, without stopping it", async () => {
    const d = new OperationDrain();
    const op = d.tryAdmit("op1", { abortable: true })!;
    let ended = false;
    setTimeout(() => {
      ended = true;
      op.end();
    }, 80);
    const report = await d.drain({ graceMs: 60_000 });
    expect(ended).toBe(true);
    expect(report).toMatchObject({ endedInGrace: true, stopped: [] });
    expect(op.signal?.aborted).toBe(false);
  });

  it("past the grace, stops the operations (not put-backs) with a reason, and still waits until they end", async () => {
    const d = new OperationDrain();
    const op = d.tryAdmit("op1", { abortable: true })!;
    const putBack = d.tryAdmit("putting back op0", { abortable: false })!;
    const toldToStop: string[][] = [];
    let opEnded = false;
    op.signal!.addEventListener("abort", () =>
      setTimeout(() => {
        opEnded = true;
        op.end();
      }, 60),
    );
    setTimeout(() => putBack.end(), 150);
    const report = await d.drain({ signal: "SIGINT", graceMs: 50, onGraceOver: (ids) => toldToStop.push(ids) });
    expect(opEnded).toBe(true);
    expect(toldToStop).toEqual([["op1"]]);
    expect(report).toMatchObject({ endedInGrace: false, stopped: ["op1"] });
    expect(op.signal!.reason).toBe("SIGINT, and the operation did not end within the 50 ms shutdown grace (FLEET_SHUTDOWN_GRACE_MS)");
    expect(report.waitedMs).toBeGreaterThanOrEqual(140);
  });

  it("waits for the put-back an operation starts as it ends, so nothing is left half-done at exit", async () => {
    const d = new OperationDrain();
    const op = d.tryAdmit("op1", { abortable: true })!;
    let putBackEnded = false;
    op.signal!.addEventListener("abort", () => {
      // As service.ts does: the put-back is admitted before the stopped operation lets go.
      const putBack = d.tryAdmit("putting back op1", { abortable: false })!;
      op.end();
      setTimeout(() => {
        putBackEnded = true;
        putBack.end();
      }, 100);
    });
    const report = await d.drain({ graceMs: 10 });
    expect(putBackEnded).toBe(true);
    expect(report.stopped).toEqual(["op1"]);
  });

  it("a second signal gets the first drain, not a second grace", async () => {
    const d = new OperationDrain();
    const op = d.tryAdmit("op1", { abortable: true })!;
    const first = d.drain({ signal: "SIGTERM", graceMs: 60_000 });
    const second = d.drain({ signal: "SIGINT", graceMs: 0 });
    expect(second).toBe(first);
    await sleep(20);
    expect(op.signal!.aborted).toBe(false);
    op.end();
    expect((await first).endedInGrace).toBe(true);
  });

  it("an operation that ends twice (error path and done) is counted once", async () => {
    const d = new OperationDrain();
    const op = d.tryAdmit("op1", { abortable: true })!;
    op.end();
    op.end();
    expect((await d.drain({ graceMs: 60_000 })).endedInGrace).toBe(true);
  });
});

describe("starting an operation while the dashboard stops", () => {
  it("is refused at once with 503 shutting_down, before the database or the engine is asked", async () => {
    void operationDrain().drain({ signal: "SIGTERM", graceMs: 1_000 });
    expect(() => admitOperation("add_worker", { abortable: true })).toThrow(ShuttingDownError);
    const deps = {
      runner: new Proxy({}, { get: () => { throw new Error("the engine was asked"); } }),
      health: { check: async () => { throw new Error("health was asked"); } },
      dir: "/nonexistent",
    } as unknown as Parameters<typeof beginOperation>[3];
    const planner = () => { throw new Error("the planner was asked"); };
    const refused = await beginOperation({ kind: "add_worker", type: "generic" }, "admin", planner, deps).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ShuttingDownError);
    const res = handleApiError(refused);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { code: "unavailable", message: "The dashboard is stopping (SIGTERM) and starts no new operation; try again once it is back", details: { reason: "shutting_down" } },
    });
  });
});

// scripts/server.mjs is plain JavaScript run by node; its helpers are loaded as it ships.
describe("FLEET_SHUTDOWN_GRACE_MS (scripts/server.mjs)", () => {
  const load = async () => {
    const file = pathToFileURL(path.resolve(import.meta.dirname, "../../scripts/server.mjs")).href;
    return (await import(/* @vite-ignore */ file)) as { parseShutdownGrace(v: string | undefined): number };
  };

  it("defaults to 25 s and takes whole milliseconds up to 10 minutes", async () => {
    const { parseShutdownGrace } = await load();
    expect(parseShutdownGrace(undefined)).toBe(25_000);
    expect(parseShutdownGrace("")).toBe(25_000);
    expect(parseShutdownGrace("0")).toBe(0);
    expect(parseShutdownGrace(" 90000 ")).toBe(90_000);
    expect(parseShutdownGrace("600000")).toBe(600_000);
  });

  it("refuses anything else at start, naming the variable", async () => {
    const { parseShutdownGrace } = await load();
    for (const bad of ["-1", "1.5", "25s", "abc", "600001", "1e5", "9".repeat(500)]) {
      expect(() => parseShutdownGrace(bad), bad).toThrow(/^FLEET_SHUTDOWN_GRACE_MS ".{0,40}" must be whole milliseconds from 0 to 600000$/);
    }
  });
});
