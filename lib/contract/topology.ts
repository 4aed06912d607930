import { z } from "zod";
import { workerTypes } from "@/lib/synapse/types";
import { swarmNodeSchema } from "@/lib/synapse/plan-schema";

/** Browser-safe: the shapes of the topology API, the single source of its types and OpenAPI. */
export const healthSchema = z.enum(["healthy", "unhealthy", "starting", "stopped", "unknown"]).describe(
  "healthy once /health answers 200 (or, for a process without HTTP listeners, its metrics port accepts); stopped when not running",
);

export const statsSampleSchema = z.object({
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number().nullable(),
  /** Bytes received and sent per second over every network of the container since the previous sample; null on the first. */
  networkRxBytesPerSecond: z.number().nullable(),
  networkTxBytesPerSecond: z.number().nullable(),
  time: z.number(),
});

export const listenerSchema = z.object({
  port: z.number().int(),
  type: z.string(),
  resources: z.array(z.string()),
});

export const containerRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  composeProject: z.string().nullable(),
  composeService: z.string().nullable(),
});

/** On a swarm: the node a process's task runs on, and that task (issue #15 §4). */
export const nodeRefSchema = z.object({ id: z.string(), hostname: z.string(), address: z.string().nullable() });
export const taskRefSchema = z.object({
  id: z.string(),
  state: z.string().describe("Swarm's task state: new, pending, assigned, preparing, starting, running, failed, shutdown…"),
  error: z.string().nullable(),
});

export const processSchema = z.object({
  name: z.string().describe("worker_name, or 'main' for the main process"),
  type: z.enum(workerTypes),
  streams: z.array(z.string()).describe("streams this process writes (stream_writers)"),
  app: z.string(),
  configFile: z.string().nullable().describe("worker file relative to the config directory"),
  state: z.string().describe("container state: running, exited, created, restarting, paused, dead, missing (configured, no container), or unknown (the engine is unreachable: as last seen)"),
  health: healthSchema,
  listeners: z.array(listenerSchema),
  ports: z.array(z.object({ container: z.number(), host: z.number().nullable(), protocol: z.string() })),
  address: z.string().nullable(),
  container: containerRefSchema.nullable(),
  stats: statsSampleSchema.nullable(),
  /** Swarm only (absent for containers): where it runs now, and why there are no stats when there are none. */
  node: nodeRefSchema.nullable().optional(),
  task: taskRefSchema.nullable().optional(),
  stranded: z.boolean().optional().describe("pinned to a node that is down or drained: its task cannot run elsewhere"),
  statsUnavailable: z.string().optional().describe("why the engine gives no resource samples for it"),
});

export const serviceSchema = z.object({
  kind: z.enum(["postgres", "redis", "prometheus", "traefik", "nginx"]),
  name: z.string(),
  state: z.string(),
  health: healthSchema,
  image: z.string(),
  containerId: z.string().describe("its container's id; on a swarm its service's id"),
  node: nodeRefSchema.nullable().optional(),
});

export const routeSchema = z.object({
  router: z.string(),
  rule: z.string(),
  service: z.string(),
  targets: z.array(z.string()).describe("process names behind the route"),
});

export const topologySchema = z.object({
  serverName: z.string().nullable(),
  synapseVersion: z.string().nullable(),
  configDir: z.string().nullable(),
  docker: z.object({ reachable: z.boolean(), version: z.string().nullable(), error: z.string().nullable() }),
  processes: z.array(processSchema),
  services: z.array(serviceSchema),
  nodes: z.array(swarmNodeSchema).optional().describe("the swarm's nodes, when the deployment runs as Swarm services"),
  routes: z.array(routeSchema),
  warnings: z.array(z.string()),
  prometheus: z.object({ url: z.string().nullable(), source: z.enum(["env", "discovered", "none"]) }).describe("where the dashboard reads metrics"),
  generatedAt: z.string(),
});

export const liveEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("container"), containerId: z.string(), action: z.string(), state: z.string().nullable(), time: z.number() }),
  z.object({ type: z.literal("health"), containerId: z.string(), health: healthSchema }),
  z.object({ type: z.literal("stats"), containerId: z.string(), sample: statsSampleSchema }),
  z.object({ type: z.literal("engine"), reachable: z.boolean(), error: z.string().nullable() }),
  // Swarm: a service's task moved (another task, another node, a new overlay address), or a node changed.
  z.object({ type: z.literal("placement"), containerId: z.string(), node: nodeRefSchema.nullable(), task: taskRefSchema.nullable(), address: z.string().nullable() }),
  z.object({ type: z.literal("node"), nodeId: z.string(), state: z.string(), availability: z.string() }),
]);

export type Health = z.infer<typeof healthSchema>;
export type StatsSample = z.infer<typeof statsSampleSchema>;
export type SynapseProcess = z.infer<typeof processSchema>;
export type InfraService = z.infer<typeof serviceSchema>;
export type Route = z.infer<typeof routeSchema>;
export type Topology = z.infer<typeof topologySchema>;
export type LiveEvent = z.infer<typeof liveEventSchema>;
export type NodeRef = z.infer<typeof nodeRefSchema>;
