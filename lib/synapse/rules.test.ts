import { describe, expect, it } from "vitest";
import { RULES, validateDeployment, errorsOf } from "./rules";
import { parseYaml } from "./yaml-positions";
import { labHomeserverYaml, labWorkerFiles, singleHomeserverYaml } from "./fixtures/lab";

const lab = () => ({ "homeserver.yaml": labHomeserverYaml, ...labWorkerFiles });
const errors = (files: Record<string, string>) => errorsOf(validateDeployment(files)).map((f) => f.message);

describe("validateDeployment", () => {
  it("finds no error in the lab's config or in single mode", () => {
    expect(errors(lab())).toEqual([]);
    expect(errors({ "homeserver.yaml": singleHomeserverYaml })).toEqual([]);
  });

  it("flags main as a stream writer", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("typing: [generic_worker1]", "typing: [main]") };
    expect(errors(files)).toContain("stream_writers.typing names main: leave the stream out to keep it on main");
  });

  it("flags a second writer of a single-writer stream", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("presence: [generic_worker1]", "presence: [generic_worker1, media_worker]") };
    expect(errors(files)).toContain("stream_writers.presence takes exactly one writer, not 2");
  });

  it("flags a missing instance_map.main and the removed worker_replication_* keys", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("  main:\n    host: synapse\n    port: 9093\n", "") + "worker_replication_host: synapse\n" };
    expect(errors(files)).toEqual(expect.arrayContaining([expect.stringMatching(/instance_map.main is missing/), expect.stringMatching(/worker_replication_host is no longer supported/)]));
  });

  it("flags a stream writer without a replication listener", () => {
    const files = { ...lab(), "workers/generic_worker1.yaml": labWorkerFiles["workers/generic_worker1.yaml"].replace("names: [replication]", "names: [client]") };
    expect(errors(files)).toContain("stream writer generic_worker1 needs an http replication listener on port 9094 (instance_map)");
  });

  it("flags duplicate worker names and a media worker without enable_media_repo", () => {
    const files = {
      ...lab(),
      "workers/copy.yaml": labWorkerFiles["workers/media_worker.yaml"],
      "workers/media_worker.yaml": labWorkerFiles["workers/media_worker.yaml"].replace("enable_media_repo: true", "enable_media_repo: false"),
    };
    const found = errors(files);
    expect(found.some((m) => /worker_name media_worker is also used/.test(m))).toBe(true);
    expect(found).toContain("serves media but lacks enable_media_repo: true (uploads would return 404)");
  });

  it("flags workers without Redis and media nobody serves", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("  enabled: true", "  enabled: false") };
    expect(errors(files)).toContain("workers need Redis: set redis.enabled: true");
    const noMedia = { "homeserver.yaml": singleHomeserverYaml + "enable_media_repo: false\n" };
    expect(errors(noMedia)).toContain("enable_media_repo is false but no media worker serves media");
  });

  it("flags keys that name workers that do not exist", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml + "pusher_instances: [pusher9]\n" };
    expect(errors(files)).toContain("pusher_instances names pusher9, which has no worker file");
  });
});

const find = (files: Record<string, string>, rule: string) => validateDeployment(files).filter((f) => f.rule === rule);

describe("findings carry a rule, a level, a position and a fix", () => {
  it("points at the writer's listener line, key to end of value (1-based)", () => {
    const text = labWorkerFiles["workers/generic_worker1.yaml"].replace("names: [replication]", "names: [client]");
    const [f] = find({ ...lab(), "workers/generic_worker1.yaml": text }, "writer-replication-listener");
    expect(f).toMatchObject({ level: "error", file: "workers/generic_worker1.yaml", line: 18, column: 7, endLine: 18 });
    expect(text.split("\n")[f.line - 1].slice(f.column - 1)).toBe("- names: [client]");
    expect(f.fix).toMatch(/names: \[replication\]/);
  });

  it("takes each rule's level from RULES and every finding has a one-sentence fix", () => {
    const files = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("enable_metrics: true", "enable_metrics: false").replace("typing: [generic_worker1]", "typing: []") };
    const found = validateDeployment(files);
    expect(found.map((f) => `${f.rule}/${f.level}`).sort()).toEqual(["metrics-disabled/warning", "writer-count/error"]);
    for (const f of found) expect(f.fix).toMatch(/^[A-Z].*\.$/);
    for (const r of RULES) expect(r.summary.length).toBeGreaterThan(10);
  });

  it("points file-level findings at line 1, column 1", () => {
    const [f] = find({ ...lab(), "workers/x.yaml": "worker_app: synapse.app.generic_worker\nworker_listeners:\n  - {type: metrics, port: 9100}\n" }, "worker-name-missing");
    expect(f).toMatchObject({ line: 1, column: 1, endLine: 1, endColumn: 39 });
  });

  it("counts an unset cp_max as 5 and takes a known max_connections", () => {
    const noCp = { ...lab(), "homeserver.yaml": labHomeserverYaml.replace("    cp_max: 5\n", "") };
    expect(find(noCp, "db-budget")).toEqual([]);
    const [f] = validateDeployment(noCp, { maxConnections: 19 }).filter((x) => x.rule === "db-budget");
    expect(f.message).toBe("4 processes × cp_max 5 (unset: Twisted's default) connections exceed PostgreSQL's max_connections (19)");
    expect(validateDeployment(noCp, { maxConnections: 20 }).filter((x) => x.rule === "db-budget")).toEqual([]);
  });

  it("accepts master as main's name in duty keys, not main", () => {
    expect(find({ ...lab(), "homeserver.yaml": labHomeserverYaml + "run_background_tasks_on: master\n" }, "duty-unknown-worker")).toEqual([]);
    expect(find({ ...lab(), "homeserver.yaml": labHomeserverYaml + "run_background_tasks_on: main\n" }, "duty-unknown-worker")).toHaveLength(1);
  });

  it("accepts a UNIX-socket listener (path, no port) and «masked» under a secret key", () => {
    const hs = labHomeserverYaml.replace("listeners:\n", "listeners:\n  - path: /run/synapse.sock\n    type: http\n    resources:\n      - names: [client]\n")
      .replace('password: "redis-password-5678"', 'password: "«masked»"');
    expect(validateDeployment({ ...lab(), "homeserver.yaml": hs })).toEqual([]);
  });

  it("reports a worker file's syntax error alone, without cross-file noise", () => {
    const files = { ...lab(), "workers/generic_worker1.yaml": labWorkerFiles["workers/generic_worker1.yaml"].replace("worker_listeners:", "worker_listeners: [") };
    expect(validateDeployment(files).map((f) => `${f.rule} ${f.file}`)).toEqual(["yaml-syntax workers/generic_worker1.yaml"]);
  });

  it("reads each text once: an unchanged file comes back from the cache", () => {
    expect(parseYaml(labHomeserverYaml)).toBe(parseYaml(labHomeserverYaml));
  });
});
