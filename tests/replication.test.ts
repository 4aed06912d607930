// The health wait's Redis question (lib/operations/replication.ts) against the lab's real Redis,
// which requires a password: with homeserver.yaml's password it finds every process subscribed; with
// a wrong one it must say "no one replicates" (Synapse logs in with that same password), not "cannot
// tell", which would let a plan that broke the password pass its health wait.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { requireLab } from "./lab-env";

const { configDir } = requireLab();
const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-replication-"));

afterAll(() => {
  process.env.SYNAPSE_CONFIG_DIR = configDir;
  fs.rmSync(elsewhere, { recursive: true, force: true });
});

describe("which processes are subscribed to Redis replication", () => {
  it("with the configured password: main and every worker; with a wrong one: none", async () => {
    const { discoverDrafts } = await import("@/lib/topology/discover");
    const { replicationSubscribers } = await import("@/lib/operations/replication");
    const d = await discoverDrafts();
    const subscribed = await replicationSubscribers(d);
    expect(subscribed).not.toBeNull();
    const addresses = d.drafts.map((p) => p.probe.address).filter((a): a is string => a !== null);
    expect(addresses.length).toBe(4);
    for (const a of addresses) expect(subscribed!.has(a), `${a} subscribed`).toBe(true);

    const doc = parseDocument(fs.readFileSync(path.join(configDir, "homeserver.yaml"), "utf8"));
    expect(String(doc.getIn(["redis", "password"]) ?? "").length).toBeGreaterThanOrEqual(8);
    doc.setIn(["redis", "password"], "not-the-redis-password");
    fs.writeFileSync(path.join(elsewhere, "homeserver.yaml"), doc.toString());
    process.env.SYNAPSE_CONFIG_DIR = elsewhere;
    expect(await replicationSubscribers(d)).toEqual(new Set());
  });
});
