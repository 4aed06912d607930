// Redis stops during an add, for real: the new worker answers /health but cannot subscribe to
// replication, so its health wait fails, saying so, and the add is undone — files byte for byte, no
// container of it left. Redis is started again as the undo begins, and every process is back on replication.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "@/lib/diagnostics";
import { docker, eventually, labContainer, readTree, requireLab } from "./lab-env";

let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;
const NAME = "redis_test1";

const replicationWhole = () => eventually(async () => (await runCheck("redis")).status === "pass", 120_000, "every process subscribed to Redis again");

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-redis-outage-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  // A failed wait takes the whole health timeout: short here.
  process.env.FLEET_HEALTH_TIMEOUT_MS = "20000";
  await replicationWhole();
  pristine = readTree(configDir);
}, 180_000);

afterAll(async () => {
  docker("start", labContainer("redis"));
  for (const c of docker("ps", "-aq", "--filter", `label=io.synapse-fleet.worker=${NAME}`).split("\n").filter(Boolean)) docker("rm", "-f", c);
  delete process.env.FLEET_HEALTH_TIMEOUT_MS;
  await replicationWhole();
  const { closeDb } = await import("@/lib/db");
  await closeDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

describe("Redis stops during an add", () => {
  it("the new worker fails its health wait for want of replication, and the add is undone", async () => {
    const { getOperation, startOperation } = await import("@/lib/operations");
    const redis = labContainer("redis");
    docker("stop", redis);
    const { operationId } = await startOperation({ kind: "add_worker", type: "generic", name: NAME }, "redis-test");
    // Redis comes back once the new worker's wait has failed: compensation's own wait then sees the
    // lab's workers subscribe again, where with Redis still away it would wait out its timeout too.
    let redisBack = false;
    const op = await eventually(async () => {
      const o = await getOperation(operationId);
      if (!o) return null;
      const planWait = o.steps.slice(0, o.plan.steps.length).find((st) => st.kind === "wait_healthy");
      if (!redisBack && planWait?.status === "failed") {
        docker("start", redis);
        redisBack = true;
      }
      return o.status !== "applying" ? o : null;
    }, 170_000, "the add to end");
    expect(redisBack).toBe(true);
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(new RegExp(`${NAME} \\(answering, but not subscribed to Redis replication\\)`));
    expect(op.steps.filter((s) => s.status === "compensated").map((s) => s.kind)).toEqual(["write_files", "create_container", "start"]);
    // The undo ends with the lab's own processes healthy and on replication again.
    expect(op.steps.at(-1)).toMatchObject({ kind: "wait_healthy", status: "succeeded" });
    expect(readTree(configDir)).toEqual(pristine);
    expect(docker("ps", "-aq", "--filter", `label=io.synapse-fleet.worker=${NAME}`)).toBe("");
  }, 180_000);
});
