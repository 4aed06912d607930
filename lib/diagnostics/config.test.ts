import { describe, expect, it } from "vitest";
import type { Finding } from "@/lib/synapse/rules";
import { validateDeployment } from "@/lib/synapse/rules";
import { configCheck } from "./config";
import { fakeContext } from "./fake-context";
import { runOne } from "./run";

const finding = (level: Finding["level"], message: string): Finding => ({ rule: level === "error" ? "redis-required" : "media-both", level, file: "homeserver.yaml", line: 3, column: 1, endLine: 3, endColumn: 5, message, fix: `fix ${message}` });

describe("config check", () => {
  it("an error finding fails, listed first with file and line; a warning alone warns; none passes", async () => {
    const fail = await runOne(configCheck, fakeContext({ validate: () => [finding("warning", "w1"), finding("error", "e1")] }), []);
    expect(fail.status).toBe("fail");
    expect(fail.evidence[0]).toBe("error: homeserver.yaml:3: e1 [redis-required]");
    expect(fail.fix).toContain("fix e1");
    expect((await runOne(configCheck, fakeContext({ validate: () => [finding("warning", "w1")] }), [])).status).toBe("warn");
    expect((await runOne(configCheck, fakeContext(), [])).status).toBe("pass");
  });

  it("runs the real validator: workers without redis fail", async () => {
    const files = {
      "homeserver.yaml": "server_name: x\nlisteners: [{port: 8008, type: http, resources: [{names: [client]}]}]\n",
      "workers/generic_worker1.yaml": "worker_app: synapse.app.generic_worker\nworker_name: generic_worker1\n",
    };
    const r = await runOne(configCheck, fakeContext({ files, validate: (f) => validateDeployment(f) }), []);
    expect(r.status).toBe("fail");
    expect(r.evidence.join("\n")).toMatch(/redis-required/);
  });

  it("an unreadable config dir warns that it cannot run", async () => {
    const r = await runOne(configCheck, fakeContext({ files: null, filesError: "homeserver.yaml is missing from the config directory" }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[0]).toMatch(/^cannot run: the config directory cannot be read: homeserver.yaml is missing/);
  });
});
