import "server-only";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import { parse } from "yaml";
import { FleetError } from "@/lib/errors";
import { readConfigFile, resolveInside } from "@/lib/fs/safe";
import { parseSynapseCommand } from "@/lib/synapse/command";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import { configDirFile, configRoot, parseBind, relativeUnder, type ObjectRef, type SwarmServiceSpec } from "./service-spec";

/**
 * The config dir on every node (issue #15 §2): each file a process reads reaches its task as a Swarm
 * object at the path its bind gave it. Objects are immutable, so each is named by its content hash:
 * a changed file is a new object, and a new reference restarts the task. homeserver.yaml and keys
 * are secrets (kept encrypted in the raft log, never shown by inspect), the rest configs.
 */

export const MANAGED_LABEL = "io.synapse-fleet.managed";
export const FILE_LABEL = "io.synapse-fleet.file";
/** Swarm's own limit is 500 KB for a secret; a config file is never near it. */
const MAX_OBJECT_BYTES = 500 * 1024;
/** Swarm object names are at most 64 characters. */
const MAX_NAME = 64;

export interface ObjectFile { kind: "secret" | "config"; target: string; file: string }

type SpecLike = Pick<ContainerSpec, "binds" | "entrypoint" | "cmd" | "env">;

/** The prefix of our object names: main's stack namespace (fleetsw-…), else `fleet`. */
export function objectPrefix(mainLabels: Record<string, string> | undefined): string {
  const ns = (mainLabels?.["com.docker.stack.namespace"] ?? "").toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 24);
  return ns || "fleet";
}

/** `<prefix>-<slug of the file>-<sha256[:12]>`, within Swarm's 64 characters. */
export function objectName(prefix: string, file: string, content: Buffer): string {
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 12);
  const room = MAX_NAME - prefix.length - hash.length - 2;
  const slug = file.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, Math.max(room, 1)).replace(/-+$/, "");
  return `${prefix}-${slug || "file"}-${hash}`;
}

async function readText(configDir: string, file: string): Promise<string | null> {
  return (await readConfigFile(configDir, file))?.data.toString("utf8") ?? null;
}

function yamlField(text: string | null, key: string): string | null {
  if (!text) return null;
  try {
    const v = (parse(text) as Record<string, unknown> | null)?.[key];
    return typeof v === "string" ? v : null;
  } catch {
    return null; // an unparsable file is the validator's finding, not a reason to refuse its object
  }
}

/**
 * The files a spec needs as objects: its binds of config-dir files, then the implicit ones — each
 * `--config-path` under the config root no bind covers (a worker derived from main only adds
 * `--config-path …/workers/x.yaml` to main's argv) and its worker file's `worker_log_config`.
 * A host bind that is not a file of the config dir is refused: Swarm never creates a bind's source
 * on a node (moby/moby#28416).
 */
export async function objectFilesOf(spec: SpecLike, configDir: string): Promise<ObjectFile[]> {
  const argv = [...(spec.entrypoint ?? []), ...spec.cmd];
  const root = configRoot(argv, spec.env);
  const byTarget = new Map<string, string>();
  for (const bind of spec.binds) {
    const { source, target } = parseBind(bind);
    if (!source.startsWith("/")) continue; // a named volume
    const file = configDirFile(configDir, source);
    const stat = file ? await fs.lstat(resolveInside(configDir, file)).catch(() => null) : null;
    if (!file || !stat || stat.isDirectory()) {
      throw new FleetError("unprocessable", `${bind}: only files of the config dir reach a Swarm service (as configs and secrets); Swarm never creates a bind's source (moby/moby#28416)`, {
        reason: "host_bind", bind,
      });
    }
    byTarget.set(target, file);
  }
  const configPaths = parseSynapseCommand(argv, spec.env)?.configPaths ?? [];
  const implicit = (target: string) => {
    const file = relativeUnder(root, target);
    if (file && !byTarget.has(target)) byTarget.set(target, file);
  };
  for (const p of configPaths) implicit(p);
  for (const p of configPaths.slice(1)) {
    const file = byTarget.get(p);
    const logConfig = file ? yamlField(await readText(configDir, file), "worker_log_config") : null;
    if (logConfig) implicit(logConfig);
  }

  const hsTarget = configPaths[0];
  const hsFile = hsTarget ? byTarget.get(hsTarget) : undefined;
  const signingKey = hsFile ? yamlField(await readText(configDir, hsFile), "signing_key_path") : null;
  return [...byTarget].map(([target, file]) => ({
    target,
    file,
    kind: target === hsTarget || target === signingKey || path.posix.basename(file) === "homeserver.yaml" || /\.(key|pem)$/.test(file) ? "secret" : "config",
  }));
}

interface SwarmObject { ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }

async function list(api: Docker, kind: ObjectFile["kind"], ours: boolean): Promise<SwarmObject[]> {
  const options = ours ? { filters: { label: [`${MANAGED_LABEL}=true`] } } : {};
  return ((kind === "secret" ? await api.listSecrets(options) : await api.listConfigs(options)) ?? []) as SwarmObject[];
}

export interface EnsuredObjects {
  refs: ObjectRef[];
  /** Objects this call made (not reused): what to delete when the step that needed them fails. */
  created: ObjectRef[];
}

/**
 * One object per file, reused when one of that name exists — ours or not: the name carries the
 * content hash (a stack deployed with the same naming has made it already). Files are read without
 * following a link out of the dir.
 */
export async function ensureObjects(api: Docker, files: ObjectFile[], configDir: string, prefix: string): Promise<EnsuredObjects> {
  const existing = { secret: await list(api, "secret", false), config: await list(api, "config", false) };
  const out: EnsuredObjects = { refs: [], created: [] };
  try {
    for (const f of files) {
      const read = await readConfigFile(configDir, f.file);
      if (!read) throw new FleetError("unprocessable", `${f.file} is not in the config dir: ${f.target} has nothing to come from`, { reason: "missing_config_file", file: f.file });
      if (read.data.length > MAX_OBJECT_BYTES) throw new FleetError("limit", `${f.file} is larger than Swarm's ${MAX_OBJECT_BYTES} bytes for an object`, { reason: "object_too_large", file: f.file });
      const name = objectName(prefix, f.file, read.data);
      const found = existing[f.kind].find((o) => o.Spec?.Name === name);
      if (found) {
        out.refs.push({ ...f, id: found.ID, name });
        continue;
      }
      const spec = { Name: name, Labels: { [MANAGED_LABEL]: "true", [FILE_LABEL]: f.file }, Data: read.data.toString("base64") };
      const made = (f.kind === "secret" ? await api.createSecret(spec) : await api.createConfig(spec)) as { id?: string; ID?: string };
      const ref = { ...f, id: made.id ?? made.ID ?? "", name };
      out.refs.push(ref);
      out.created.push(ref);
      existing[f.kind].push({ ID: ref.id, Spec: { Name: name } });
    }
  } catch (err) {
    await removeObjects(api, out.created);
    throw err;
  }
  return out;
}

/** Deletes objects by id; gone already is done, one still in use is left (Swarm refuses it). */
export async function removeObjects(api: Docker, refs: Array<Pick<ObjectRef, "kind" | "id">>): Promise<void> {
  for (const r of refs) {
    await (r.kind === "secret" ? api.getSecret(r.id).remove() : api.getConfig(r.id).remove()).catch(() => undefined);
  }
}

/** The object ids a service spec references. */
export function referencedObjects(spec: SwarmServiceSpec | undefined): Set<string> {
  const cs = spec?.TaskTemplate?.ContainerSpec;
  return new Set([...(cs?.Secrets ?? []).map((s) => s.SecretID ?? ""), ...(cs?.Configs ?? []).map((c) => c.ConfigID ?? "")]);
}

/** Deletes our objects (managed label, our prefix) that no service references; returns their names. */
export async function removeUnused(api: Docker, prefix: string): Promise<string[]> {
  const services = (await api.listServices()) as Array<{ Spec?: SwarmServiceSpec }>;
  const used = new Set(services.flatMap((s) => [...referencedObjects(s.Spec)]));
  const removed: string[] = [];
  for (const kind of ["secret", "config"] as const) {
    for (const o of await list(api, kind, true)) {
      const name = o.Spec?.Name ?? "";
      if (used.has(o.ID) || !name.startsWith(`${prefix}-`)) continue;
      try {
        await (kind === "secret" ? api.getSecret(o.ID).remove() : api.getConfig(o.ID).remove());
        removed.push(name);
      } catch (err) {
        // Gone already, or taken into use since the listing: either way not ours to delete now.
        const status = (err as { statusCode?: number }).statusCode;
        if (status !== 404 && status !== 400 && status !== 409) throw err;
      }
    }
  }
  return removed;
}
