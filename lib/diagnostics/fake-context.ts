import { FleetError } from "@/lib/errors";
import { DEFAULT_OPTIONS, type DiagnosticsContext, type ProcessFacts, type UnitFacts } from "./model";
import { connectionSettings } from "./connection-settings";

/**
 * A context for unit tests: the lab's shape (main, a generic, a media worker, a federation sender,
 * Redis, PostgreSQL) with nothing behind it; each test overrides what its check reads.
 */

export function unit(name: string, over: Partial<UnitFacts> = {}): UnitFacts {
  return { id: `id-${name}`, name, image: "synapse-lab", state: "running", labels: {}, argv: [], env: {}, networks: [{ name: "lab_default", ip: `10.0.0.${name.length}` }], ...over };
}

export function proc(name: string, type: string, over: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    name, type, state: "running", streams: [], configFile: type === "main" ? null : `workers/${name}.yaml`,
    listeners: [{ port: 9000, type: "metrics", resources: ["metrics"] }], address: null, unit: unit(`lab_${name}`), ...over,
  };
}

export const HS = `server_name: "fleet.test"
redis: {enabled: true, host: redis, port: 6379, password: "s3cret-redis-pw"}
database: {name: psycopg2, args: {user: synapse, password: "s3cret-db-pw", database: synapse, host: postgres, port: 5432, cp_max: 5}}
`;

export function prometheusDown(): FleetError {
  return new FleetError("unavailable", "Prometheus at http://prom:9090 cannot be reached: ECONNREFUSED", { reason: "unreachable" });
}

export function fakeContext(over: Partial<DiagnosticsContext> = {}): DiagnosticsContext {
  return {
    serverName: "fleet.test",
    hs: null,
    hsError: null,
    connections: connectionSettings(HS),
    files: { "homeserver.yaml": HS },
    filesError: null,
    processes: [proc("main", "main"), proc("generic_worker1", "generic"), proc("media_worker", "media"), proc("federation_sender1", "federation_sender")],
    services: [],
    units: [],
    routes: [],
    loadBalancer: null,
    loadBalancerError: null,
    dockerError: null,
    engine: {
      logsTail: async () => [],
      stateOf: async () => ({ state: "running", exitCode: null }),
      specOf: async () => ({ networks: [], labels: {}, resources: { nanoCpus: 1e9, memoryBytes: 2 ** 30 } }),
    },
    prometheus: {
      instantQuery: async () => [],
      scrapeTargets: async () => [],
    },
    resolveHost: async (host) => ({ address: "127.0.0.1", container: { id: `id-${host}`, name: `lab_${host}`, state: "running" }, how: `${host} is the container lab_${host}` }),
    validate: () => [],
    options: DEFAULT_OPTIONS,
    signal: new AbortController().signal,
    ...over,
  };
}
