import { describe, expect, it } from "vitest";
import { makeDbPoolCheck } from "./db-pool";
import { fakeContext, prometheusDown, proc } from "./fake-context";
import { runOne } from "./run";

const facts = (maxConnections: number, reserved = 3, inUse = 10) => async () => ({ maxConnections, reserved, inUse });
const four = fakeContext().processes; // 4 processes × cp_max 5 = 20

describe("db-pool check", () => {
  it("passes when the pools fit in max_connections − reserved, connecting with homeserver.yaml's args", async () => {
    let seen: { host?: string; user?: string; password?: string; database?: string } = {};
    const check = makeDbPoolCheck(async (opts) => {
      seen = opts as typeof seen;
      return { maxConnections: 100, reserved: 3, inUse: 18 };
    });
    const r = await runOne(check, fakeContext(), ["s3cret-db-pw"]);
    expect(r.status).toBe("pass");
    expect(seen).toMatchObject({ host: "127.0.0.1", user: "synapse", password: "s3cret-db-pw", database: "synapse" });
    expect(r.evidence).toContain("4 Synapse processes × cp_max 5 = 20 connections at most");
    expect(r.evidence).toContain("max_connections 100 − superuser_reserved_connections 3 = 97 for Synapse and everyone else; 18 in use now");
    expect(JSON.stringify(r)).not.toContain("s3cret-db-pw");
  });

  it("fails above max − reserved and warns above 80 % of it", async () => {
    const fail = await runOne(makeDbPoolCheck(facts(20)), fakeContext({ processes: four }), []);
    expect(fail.status).toBe("fail");
    expect(fail.fix).toMatch(/ALTER SYSTEM SET max_connections = 28/);
    const warn = await runOne(makeDbPoolCheck(facts(26)), fakeContext({ processes: four }), []); // 20 > 0.8 × 23
    expect(warn.status).toBe("warn");
  });

  it("cp_max unset counts Twisted's default of 5", async () => {
    const ctx = fakeContext();
    const connections = { ...ctx.connections!, database: { ...ctx.connections!.database, cpMax: 5, cpMaxSet: false } };
    const r = await runOne(makeDbPoolCheck(facts(100)), fakeContext({ connections, processes: [proc("main", "main")] }), []);
    expect(r.evidence).toContain("1 Synapse processes × cp_max 5 (unset: Twisted's default) = 5 connections at most");
  });

  it("a saturated pool or a mean wait above 50 ms warns, naming the process", async () => {
    const prometheus = {
      ...fakeContext().prometheus,
      instantQuery: async (q: string) => (q.includes("threadpool") ? [{ labels: { worker: "main" }, value: 1 }] : [{ labels: { worker: "generic_worker1" }, value: 0.12 }]),
    };
    const r = await runOne(makeDbPoolCheck(facts(100)), fakeContext({ prometheus }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence).toContain("main: its database pool was 100 % busy over 5 min (saturated)");
    expect(r.evidence).toContain("generic_worker1: waited 120 ms on average for a database connection over 5 min (limit 50 ms)");
  });

  it("judges only the processes running now: a worker gone within the 5 min window is not held against the pool", async () => {
    const prometheus = {
      ...fakeContext().prometheus,
      instantQuery: async (q: string) =>
        q.includes("threadpool")
          ? [{ labels: { worker: "main" }, value: 0.2 }, { labels: { worker: "event_persister9" }, value: 1 }]
          : [{ labels: { worker: "main" }, value: 0.001 }, { labels: { worker: "event_persister9" }, value: 0.3 }],
    };
    const r = await runOne(makeDbPoolCheck(facts(100)), fakeContext({ prometheus }), []);
    expect(r.status).toBe("pass");
    expect(r.evidence.join("\n")).not.toContain("event_persister9");
    expect(r.evidence).toContain("no pool saturated, mean connection wait ≤ 50 ms in 1 running processes");
  });

  it("fails when PostgreSQL refuses, and warns when only Prometheus is missing", async () => {
    const refused = await runOne(makeDbPoolCheck(async () => Promise.reject(new Error('password authentication failed for user "synapse"'))), fakeContext(), []);
    expect(refused.status).toBe("fail");
    const noProm = await runOne(makeDbPoolCheck(facts(100)), fakeContext({ prometheus: { ...fakeContext().prometheus, instantQuery: () => Promise.reject(prometheusDown()) } }), []);
    expect(noProm.status).toBe("warn");
    expect(noProm.evidence.at(-1)).toMatch(/^cannot run the pool metrics part: Prometheus unreachable/);
  });

  it("SQLite: cannot run", async () => {
    const ctx = fakeContext();
    const r = await runOne(makeDbPoolCheck(facts(100)), fakeContext({ connections: { ...ctx.connections!, database: { ...ctx.connections!.database, engine: "sqlite3" } } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toMatch(/^cannot run: database.name is sqlite3/);
  });
});
