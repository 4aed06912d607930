import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exportCompose, exportComposeSecrets } from "./compose-export";
import { planIntent } from "./plan";
import type { ContainerSpec, DeploymentSnapshot } from "./plan-schema";
import { labSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";
import { corpusSpecParts, secretsCorpus } from "./fixtures/secrets-corpus";

describe("exportCompose", () => {
  it("writes every Synapse process as a v3.8 service with its command, ports and Traefik labels", () => {
    const snapshot = labSnapshot();
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    snapshot.processes.push({ name: "generic_worker2", type: "generic", state: "running", configFile: "workers/generic_worker2.yaml", container: { ...createdSpec(plan, "generic_worker2"), id: "x", managedByFleet: true } });
    const text = exportCompose(snapshot);
    expect(text.startsWith("# Synapse topology exported by Synapse Fleet")).toBe(true);
    const compose = parse(text);
    expect(compose.version).toBe("3.8");
    expect(Object.keys(compose.services)).toEqual(["synapse", "synapse-worker-federation-sender", "synapse-worker-generic", "synapse-generic-worker2", "synapse-worker-media"]);
    const w2 = compose.services["synapse-generic-worker2"];
    expect(w2.command).toContain("synapse.app.generic_worker");
    expect(w2.ports).toEqual(["8011:8011"]);
    expect(w2.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
    expect(w2.deploy.resources.limits).toEqual({ cpus: "1", memory: "1024M" });
    expect(w2.depends_on).toEqual(["synapse"]);
    expect(compose.services.synapse.labels).not.toHaveProperty("com.docker.compose.project");
    expect(compose.networks).toEqual({ fleetlab_default: { external: true, name: "fleetlab_default" } });
  });
});

/** Reads the secrets file as docker compose would: single quotes literal (\' a quote), double quotes with escapes. */
function readEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:'((?:[^'\\]|\\')*)'|"((?:[^"\\]|\\.)*)")$/.exec(line);
    if (!m) throw new Error(`not an env line: ${line}`);
    const value = m[2] !== undefined ? m[2].replace(/\\'/g, "'") : m[3].replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r" })[c] ?? c);
    vars.set(m[1], value);
  }
  return vars;
}

/** Compose interpolation: `$$` is a `$`, `${VAR}` must be defined; any other `$` is an error. */
function interpolate(value: unknown, vars: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|)/g, (_, what: string, name?: string) => {
      if (what === "$") return "$";
      if (!name) throw new Error(`a bare $ in ${value}`);
      if (!vars.has(name)) throw new Error(`\${${name}} has no line in the secrets file`);
      return vars.get(name)!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  return value;
}

function withMain(parts: Partial<ContainerSpec>): DeploymentSnapshot {
  const snapshot = labSnapshot();
  const main = snapshot.processes[0];
  return { ...snapshot, processes: [{ ...main, container: { ...main.container!, labels: { "com.docker.compose.service": "synapse" }, ...parts } }] };
}

describe("exportCompose secrets", () => {
  const cases = secretsCorpus.filter((c) => c.kind !== "yaml");

  for (const c of cases) {
    it(`${c.kind}: ${c.name} — references only, and the secrets file puts every value back`, () => {
      const parts = corpusSpecParts(c);
      const snapshot = withMain(parts);
      const text = exportCompose(snapshot);
      const compose = parse(text);
      const service = compose.services.synapse;
      for (const s of c.secrets) {
        expect(text, `leaks ${s}`).not.toContain(s);
        expect(JSON.stringify(compose)).not.toContain(s);
      }
      const vars = readEnvFile(exportComposeSecrets(snapshot));
      const back = interpolate(service, vars) as Record<string, unknown>;
      const main = snapshot.processes[0].container!;
      expect(back.environment ?? {}).toEqual(main.env);
      expect(back.command).toEqual(main.cmd);
      expect(back.entrypoint ?? null).toEqual(main.entrypoint);
      expect(back.labels ?? {}).toEqual(Object.fromEntries(Object.entries(main.labels).filter(([k]) => !k.startsWith("com.docker.compose."))));
      for (const keep of c.survivors) expect(JSON.stringify(interpolate(service, new Map([...vars].map(([k]) => [k, ""])))), `lost ${keep}`).toContain(JSON.stringify(keep).slice(1, -1));
      if (c.secrets.length > 0) expect(vars.size).toBeGreaterThan(0);
    });
  }

  it("names a secret env var after itself when every service agrees, per service when they differ", () => {
    const snapshot = labSnapshot();
    const [main, generic, media] = snapshot.processes.map((p) => p.container!);
    main.env = { ...main.env, POSTGRES_PASSWORD: "same-1", SYNAPSE_TOKEN: "main-tok" };
    generic.env = { ...generic.env, POSTGRES_PASSWORD: "same-1", SYNAPSE_TOKEN: "generic-tok" };
    media.env = { ...media.env, REDIS_URL: "redis://:same-1@redis:6379" };
    const compose = parse(exportCompose(snapshot));
    expect(compose.services.synapse.environment.POSTGRES_PASSWORD).toBe("${POSTGRES_PASSWORD}");
    expect(compose.services["synapse-worker-generic"].environment.POSTGRES_PASSWORD).toBe("${POSTGRES_PASSWORD}");
    expect(compose.services.synapse.environment.SYNAPSE_TOKEN).toBe("${SYNAPSE_SYNAPSE_TOKEN}");
    expect(compose.services["synapse-worker-generic"].environment.SYNAPSE_TOKEN).toBe("${SYNAPSE_WORKER_GENERIC_SYNAPSE_TOKEN}");
    // The same value found by shape elsewhere is the same variable.
    expect(compose.services["synapse-worker-media"].environment.REDIS_URL).toBe("redis://:${POSTGRES_PASSWORD}@redis:6379");
    expect(exportComposeSecrets(snapshot).split("\n").filter((l) => !l.startsWith("#") && l)).toEqual([
      "POSTGRES_PASSWORD='same-1'",
      "SYNAPSE_SYNAPSE_TOKEN='main-tok'",
      "SYNAPSE_WORKER_GENERIC_SYNAPSE_TOKEN='generic-tok'",
    ]);
  });

  it("escapes a literal $ and writes an empty secrets file when there is nothing secret", () => {
    const snapshot = withMain({ env: { PRICE: "$5", HOME_DIR: "/data" }, labels: {} });
    const text = exportCompose(snapshot);
    expect(parse(text).services.synapse.environment.PRICE).toBe("$$5");
    expect(text).toContain("no secrets");
    expect(exportComposeSecrets(snapshot).split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([]);
  });
});
