import { describe, expect, it } from "vitest";
import { parseHomeserverConfig, parseWorkerConfig } from "./config";
import { deriveRole } from "./derive";

const homeserver = `
server_name: fleet.test
# the main process
listeners:
  - port: 8008
    type: http
    resources:
      - names: [client, federation]
  - port: 9093
    type: http
    resources:
      - names: [replication]
  - port: 9000
    type: metrics
instance_map:
  main: {host: synapse, port: 9093}
  generic_worker1: {host: synapse-worker-generic, port: 9094}
  persister1: {host: persister1, port: 9095}
stream_writers:
  typing: generic_worker1
  to_device: [generic_worker1]
  events: [persister1]
federation_sender_instances: [federation_sender1]
media_instance_running_background_jobs: media_worker
enable_media_repo: false
pusher_instances: [pusher1]
run_background_tasks_on: background1
redis: {enabled: true}
enable_metrics: true
`;
const hs = parseHomeserverConfig(homeserver);

function worker(name: string, listeners: string, extra = "") {
  return parseWorkerConfig(`worker_app: synapse.app.generic_worker\nworker_name: ${name}\n${extra}\nworker_listeners:\n${listeners}`, `${name}.yaml`);
}
const http = (port: number, names: string) => `  - type: http\n    port: ${port}\n    resources:\n      - names: [${names}]\n`;
const metrics = (port: number) => `  - type: metrics\n    port: ${port}\n`;

describe("deriveRole", () => {
  it("calls a process without a worker file the main process", () => {
    expect(deriveRole(null, hs)).toEqual({ type: "main", streams: [] });
  });

  it("keeps a client worker that writes streams a generic worker, and lists its streams", () => {
    const r = deriveRole(worker("generic_worker1", http(8009, "client, federation") + http(9094, "replication")), hs);
    expect(r.type).toBe("generic");
    expect(r.streams.sort()).toEqual(["to_device", "typing"]);
  });

  it("recognises a media worker by its media resource", () => {
    expect(deriveRole(worker("media2", http(8010, "media, client")), hs).type).toBe("media");
  });

  it("recognises a media worker by enable_media_repo in its own file", () => {
    expect(deriveRole(worker("m3", http(8011, "client"), "enable_media_repo: true"), hs).type).toBe("media");
  });

  it("takes federation senders from federation_sender_instances, not from the name", () => {
    expect(deriveRole(worker("federation_sender1", metrics(9003)), hs).type).toBe("federation_sender");
    expect(deriveRole(worker("federation_sender9", metrics(9004)), hs).type).toBe("generic");
  });

  it("makes a writer of the events stream an event persister", () => {
    const r = deriveRole(worker("persister1", http(9095, "replication")), hs);
    expect(r).toEqual({ type: "event_persister", streams: ["events"] });
  });

  it("calls a replication-only writer of other streams a stream writer", () => {
    const h2 = parseHomeserverConfig(homeserver.replace("typing: generic_worker1", "typing: typing1"));
    expect(deriveRole(worker("typing1", http(9096, "replication")), h2)).toEqual({ type: "stream_writer", streams: ["typing"] });
  });

  it("calls a writer that serves only its client endpoints a stream writer", () => {
    const h2 = parseHomeserverConfig(homeserver.replace("typing: generic_worker1", "typing: typing_writer1"));
    const w = worker("typing_writer1", http(8030, "client") + http(9097, "replication"));
    expect(deriveRole(w, h2)).toEqual({ type: "stream_writer", streams: ["typing"] });
  });

  it("reads pusher, background and name-hinted routing roles", () => {
    expect(deriveRole(worker("pusher1", metrics(9010)), hs).type).toBe("pusher");
    expect(deriveRole(worker("background1", metrics(9011)), hs).type).toBe("background_worker");
    expect(deriveRole(worker("synchrotron2", http(8020, "client")), hs).type).toBe("synchrotron");
  });
});

describe("parseHomeserverConfig", () => {
  it("accepts a single stream writer name or a list", () => {
    expect(hs.streamWriters.typing).toEqual(["generic_worker1"]);
    expect(hs.streamWriters.to_device).toEqual(["generic_worker1"]);
  });

  it("reads listeners with their resources and marks metrics listeners", () => {
    expect(hs.listeners).toEqual([
      { port: 8008, type: "http", resources: ["client", "federation"], bindAddresses: [], tls: false },
      { port: 9093, type: "http", resources: ["replication"], bindAddresses: [], tls: false },
      { port: 9000, type: "metrics", resources: ["metrics"], bindAddresses: [], tls: false },
    ]);
  });

  it("defaults enable_media_repo to true as Synapse does", () => {
    expect(parseHomeserverConfig("server_name: x").enableMediaRepo).toBe(true);
    expect(hs.enableMediaRepo).toBe(false);
  });

  it("names the file and the problem when the YAML is broken", () => {
    expect(() => parseHomeserverConfig("listeners: [", "homeserver.yaml")).toThrow(/homeserver\.yaml/);
    expect(() => parseWorkerConfig("- a list", "w.yaml")).toThrow(/w\.yaml: top level must be a mapping/);
  });
});
