import { describe, expect, it } from "vitest";
import { fakeContext, proc, unit } from "./fake-context";
import { runOne } from "./run";
import { workerEnvCheck } from "./worker-env";

const argv = (...paths: string[]) => ["/start.py", "run", ...paths.map((p) => `--config-path=${p}`)];
const official = (name: string, type: string, paths: string[], env: Record<string, string>) =>
  proc(name, type, { unit: unit(`c_${name}`, { image: "matrixdotorg/synapse:v1.160.0", argv: argv(...paths), env }) });

describe("worker-env check", () => {
  it("fails for an official-image worker without SYNAPSE_WORKER=synapse.app.generic_worker", async () => {
    const processes = [
      official("main", "main", ["/data/homeserver.yaml"], {}),
      official("generic_worker1", "generic", ["/data/homeserver.yaml", "/data/workers/generic_worker1.yaml"], { SYNAPSE_WORKER: "synapse.app.generic_worker" }),
      official("media_worker", "main", ["/data/homeserver.yaml", "/data/workers/media_worker.yaml"], {}),
    ];
    const r = await runOne(workerEnvCheck, fakeContext({ processes }), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("media_worker");
    expect(r.evidence).toContain("c_media_worker: runs start.py with worker file /data/workers/media_worker.yaml but SYNAPSE_WORKER is unset: start.py starts a main process");
    expect(r.fix).toMatch(/^Set SYNAPSE_WORKER=synapse.app.generic_worker in the environment of c_media_worker/);
  });

  it("passes when the official image's workers set it, and when nothing runs start.py", async () => {
    const ok = [official("generic_worker1", "generic", ["/data/homeserver.yaml", "/data/workers/g.yaml"], { SYNAPSE_WORKER: "synapse.app.generic_worker" })];
    expect((await runOne(workerEnvCheck, fakeContext({ processes: ok }), [])).status).toBe("pass");
    expect((await runOne(workerEnvCheck, fakeContext(), [])).evidence[0]).toMatch(/no process runs the official image's start.py/);
  });
});
