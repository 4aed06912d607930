import { Document } from "yaml";
import type { ContainerSpec, DeploymentSnapshot } from "./plan-schema";

/**
 * The current Synapse topology as a docker-compose (v3.8) file, for operators who keep their
 * deployment in git: one service per process, with its command, mounts, ports and Traefik labels.
 */

type Process = DeploymentSnapshot["processes"][number];

function serviceName(p: Process): string {
  const c = p.container!;
  return c.labels["com.docker.compose.service"] ?? (p.type === "main" ? "synapse" : `synapse-${p.name.replace(/_/g, "-")}`);
}

function isNamedVolume(bind: string): boolean {
  const source = bind.split(":")[0];
  return !source.startsWith("/") && !source.startsWith(".") && !source.startsWith("~");
}

function service(p: Process, mainService: string | null): Record<string, unknown> {
  const c: ContainerSpec = p.container!;
  const s: Record<string, unknown> = { image: c.image, container_name: c.name.replace(/^\//, "") };
  if (c.entrypoint) s.entrypoint = c.entrypoint;
  s.command = c.cmd;
  if (c.user) s.user = c.user;
  if (c.restartPolicy && c.restartPolicy !== "no") s.restart = c.restartPolicy;
  if (Object.keys(c.env).length > 0) s.environment = c.env;
  if (c.binds.length > 0) s.volumes = c.binds;
  if (c.ports.length > 0) s.ports = c.ports.map((x) => `${x.hostIp && x.hostIp !== "0.0.0.0" ? `${x.hostIp}:` : ""}${x.host}:${x.container}`);
  s.networks = Object.fromEntries(c.networks.map((n) => [n.name, n.aliases.length > 0 ? { aliases: n.aliases } : null]));
  const labels = Object.fromEntries(Object.entries(c.labels).filter(([k]) => !k.startsWith("com.docker.compose.")));
  if (Object.keys(labels).length > 0) s.labels = labels;
  const limits: Record<string, string> = {};
  if (c.resources.nanoCpus) limits.cpus = String(c.resources.nanoCpus / 1e9);
  if (c.resources.memoryBytes) limits.memory = `${Math.round(c.resources.memoryBytes / 1024 / 1024)}M`;
  if (Object.keys(limits).length > 0) s.deploy = { resources: { limits } };
  if (p.type !== "main" && mainService) s.depends_on = [mainService];
  return s;
}

export function exportCompose(snapshot: DeploymentSnapshot): string {
  const processes = snapshot.processes
    .filter((p) => p.container)
    .sort((a, b) => (a.type === "main" ? -1 : b.type === "main" ? 1 : a.name.localeCompare(b.name)));
  const main = processes.find((p) => p.type === "main");
  const mainService = main ? serviceName(main) : null;
  const services: Record<string, unknown> = {};
  for (const p of processes) services[serviceName(p)] = service(p, mainService);
  const networks = [...new Set(processes.flatMap((p) => p.container!.networks.map((n) => n.name)))];
  const volumes = [...new Set(processes.flatMap((p) => p.container!.binds.filter(isNamedVolume).map((b) => b.split(":")[0])))];
  const body: Record<string, unknown> = { version: "3.8", services };
  if (networks.length > 0) body.networks = Object.fromEntries(networks.map((n) => [n, { external: true, name: n }]));
  if (volumes.length > 0) body.volumes = Object.fromEntries(volumes.map((v) => [v, { external: true, name: v }]));
  const doc = new Document(body);
  doc.commentBefore = [
    " Synapse topology exported by Synapse Fleet (main and every worker).",
    " Networks and named volumes are the existing ones (external). PostgreSQL, Redis and Traefik are not included.",
    " docker-compose 1.x applies deploy.resources only with --compatibility.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
