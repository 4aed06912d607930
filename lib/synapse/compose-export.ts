import { Document } from "yaml";
import type { ContainerSpec, DeploymentSnapshot } from "./plan-schema";
import { envName, isHarmlessValue, isSecretKey } from "./secret-keys";
import { HIDDEN_MARK, replaceInArgs, replaceInLabels, replaceInText, replaceNamedValue, type Replacer } from "./secret-patterns";

/**
 * The current Synapse topology as a docker-compose (v3.8) file, for operators who keep their
 * deployment in git: one service per process, with its command, mounts, ports and Traefik labels.
 * Secrets never appear in it: each is a `${VAR}` reference, and `exportComposeSecrets` writes the
 * values behind them as an env file (an admin's separate, audited download).
 */

type Process = DeploymentSnapshot["processes"][number];

/**
 * The variables the compose file refers to. While a service is built, a secret becomes a
 * placeholder (HIDDEN_MARK + index), so escaping `$` afterwards cannot touch the references.
 */
class SecretRefs {
  private readonly values = new Map<string, string>(); // name → value
  private readonly byValue = new Map<string, string>(); // value → first name, for secrets found by shape
  private readonly order: string[] = [];

  /** The preferred name, or it with _2, _3 … when that name already holds another value. */
  private claim(preferred: string, value: string): string {
    for (let n = 1; ; n++) {
      const name = n === 1 ? preferred : `${preferred}_${n}`;
      const held = this.values.get(name);
      if (held === value) return name;
      if (held === undefined) {
        this.values.set(name, value);
        if (!this.byValue.has(value)) this.byValue.set(value, name);
        return name;
      }
    }
  }

  private placeholder(name: string): string {
    let i = this.order.indexOf(name);
    if (i < 0) i = this.order.push(name) - 1;
    return `${HIDDEN_MARK}${i}${HIDDEN_MARK}`;
  }

  /** A named setting's secret (an env var): its own name, whatever else holds the same value. */
  named(preferred: string, value: string): string {
    return this.placeholder(this.claim(preferred, value));
  }

  /** A secret found by its shape: the same value anywhere is the same variable. */
  found(preferred: string, value: string): string {
    return this.placeholder(this.byValue.get(value) ?? this.claim(preferred, value));
  }

  /** A built string with its `$` escaped for compose and its placeholders turned into `${VAR}`. */
  finish(text: string): string {
    return text.replace(/\$/g, "$$$$").replace(new RegExp(`${HIDDEN_MARK}(\\d+)${HIDDEN_MARK}`, "g"), (_, i: string) => `\${${this.order[Number(i)]}}`);
  }

  entries(): Array<[string, string]> {
    return [...this.values].sort(([a], [b]) => a.localeCompare(b));
  }
}

function serviceName(p: Process): string {
  const c = p.container!;
  return c.labels["com.docker.compose.service"] ?? (p.type === "main" ? "synapse" : `synapse-${p.name.replace(/_/g, "-")}`);
}

function isNamedVolume(bind: string): boolean {
  const source = bind.split(":")[0];
  return !source.startsWith("/") && !source.startsWith(".") && !source.startsWith("~");
}

/** A secret-named env var's reference: its own name when every service gives it one value, else per service. */
function envVarNames(processes: Process[]): (service: string, key: string) => string {
  const values = new Map<string, Set<string>>();
  for (const p of processes) {
    for (const [k, v] of Object.entries(p.container!.env)) if (isSecretKey(k) && !isHarmlessValue(v)) values.set(k, (values.get(k) ?? new Set()).add(v));
  }
  return (service, key) => ((values.get(key)?.size ?? 0) > 1 ? envName(`${service}_${key}`) : envName(key));
}

function service(p: Process, mainService: string | null, refs: SecretRefs, envVar: (service: string, key: string) => string): Record<string, unknown> {
  const c: ContainerSpec = p.container!;
  const name = serviceName(p);
  const prefix = envName(name);
  const found: Replacer = (secret, hint) => refs.found(`${prefix}_${hint}`, secret);
  const text = (s: string) => refs.finish(s);
  // The environment first: a secret named there gives its name to the same value found in the command.
  const env = Object.entries(c.env).map(([k, v]) => {
    const hidden = isSecretKey(k)
      ? replaceNamedValue(k, v, (secret) => refs.named(envVar(name, k), secret))
      : replaceInText(v, (secret, hint) => refs.found(`${prefix}_${envName(k)}_${hint}`, secret));
    return [k, text(hidden)];
  });
  const s: Record<string, unknown> = { image: text(c.image), container_name: text(c.name.replace(/^\//, "")) };
  if (c.entrypoint) s.entrypoint = replaceInArgs(c.entrypoint, found).map(text);
  s.command = replaceInArgs(c.cmd, found).map(text);
  if (c.user) s.user = text(c.user);
  if (c.restartPolicy && c.restartPolicy !== "no") s.restart = c.restartPolicy;
  if (env.length > 0) s.environment = Object.fromEntries(env);
  if (c.binds.length > 0) s.volumes = c.binds.map(text);
  if (c.ports.length > 0) s.ports = c.ports.map((x) => `${x.hostIp && x.hostIp !== "0.0.0.0" ? `${x.hostIp}:` : ""}${x.host}:${x.container}`);
  s.networks = Object.fromEntries(c.networks.map((n) => [n.name, n.aliases.length > 0 ? { aliases: n.aliases } : null]));
  const ownLabels = Object.fromEntries(Object.entries(c.labels).filter(([k]) => !k.startsWith("com.docker.compose.")));
  const labels = Object.entries(replaceInLabels(ownLabels, found)).map(([k, v]) => [k, text(v)]);
  if (labels.length > 0) s.labels = Object.fromEntries(labels);
  const limits: Record<string, string> = {};
  if (c.resources.nanoCpus) limits.cpus = String(c.resources.nanoCpus / 1e9);
  if (c.resources.memoryBytes) limits.memory = `${Math.round(c.resources.memoryBytes / 1024 / 1024)}M`;
  if (Object.keys(limits).length > 0) s.deploy = { resources: { limits } };
  if (p.type !== "main" && mainService) s.depends_on = [mainService];
  return s;
}

/** Builds every service once; the compose file and its secrets file come from the same pass. */
function build(snapshot: DeploymentSnapshot): { body: Record<string, unknown>; refs: SecretRefs } {
  const processes = snapshot.processes
    .filter((p) => p.container)
    .sort((a, b) => (a.type === "main" ? -1 : b.type === "main" ? 1 : a.name.localeCompare(b.name)));
  const main = processes.find((p) => p.type === "main");
  const mainService = main ? serviceName(main) : null;
  const refs = new SecretRefs();
  const envVar = envVarNames(processes);
  const services: Record<string, unknown> = {};
  for (const p of processes) services[serviceName(p)] = service(p, mainService, refs, envVar);
  const networks = [...new Set(processes.flatMap((p) => p.container!.networks.map((n) => n.name)))];
  const volumes = [...new Set(processes.flatMap((p) => p.container!.binds.filter(isNamedVolume).map((b) => b.split(":")[0])))];
  const body: Record<string, unknown> = { version: "3.8", services };
  if (networks.length > 0) body.networks = Object.fromEntries(networks.map((n) => [n, { external: true, name: n }]));
  if (volumes.length > 0) body.volumes = Object.fromEntries(volumes.map((v) => [v, { external: true, name: v }]));
  return { body, refs };
}

/** The compose file: every secret a `${VAR}` reference, every literal `$` escaped as `$$`. */
export function exportCompose(snapshot: DeploymentSnapshot): string {
  const { body, refs } = build(snapshot);
  const doc = new Document(body);
  const references = refs.entries().length;
  doc.commentBefore = [
    " Synapse topology exported by Synapse Fleet (main and every worker).",
    " Networks and named volumes are the existing ones (external). PostgreSQL, Redis and Traefik are not included.",
    " docker-compose 1.x applies deploy.resources only with --compatibility.",
    references > 0
      ? ` Secrets are \${VAR} references (${references}): an admin downloads their values as docker-compose.fleet.env; use --env-file.`
      : " This deployment has no secrets in its container settings.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}

/** One env-file line; single quotes keep `$` literal, multi-line values use double-quoted escapes. */
function envLine(name: string, value: string): string {
  if (!/[\r\n]/.test(value)) return `${name}='${value.replace(/'/g, "\\'")}'`;
  return `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r/g, "\\r").replace(/\n/g, "\\n")}"`;
}

/** The values behind exportCompose's references, as `VAR='value'` lines: for an admin's audited download only. */
export function exportComposeSecrets(snapshot: DeploymentSnapshot): string {
  const { refs } = build(snapshot);
  const lines = [
    "# Secret values for the ${VAR} references in docker-compose.fleet.yml, exported by Synapse Fleet.",
    "# Keep this file out of git. Use: docker compose --env-file docker-compose.fleet.env -f docker-compose.fleet.yml up -d",
    ...refs.entries().map(([name, value]) => envLine(name, value)),
  ];
  return `${lines.join("\n")}\n`;
}
