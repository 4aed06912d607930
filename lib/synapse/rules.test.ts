import { describe, expect, it } from "vitest";
import { validateDeployment, errorsOf } from "./rules";
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
