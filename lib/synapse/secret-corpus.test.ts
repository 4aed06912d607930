import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { corpusSpecParts, secretsCorpus, type CorpusCase } from "./fixtures/secrets-corpus";
import { labSnapshot } from "./fixtures/lab";
import type { ContainerSpec, Plan } from "./plan-schema";
import { maskArgs, maskDeep, maskEnv, maskFileText, maskLabels, maskPlan, maskSecrets, maskSnapshot, maskSpec, maskValue, MASK } from "./secrets";

/** Every string anywhere in a value, and the value as JSON: a secret must be in none of them. */
function texts(value: unknown): string[] {
  const out: string[] = [JSON.stringify(value)];
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => (out.push(k), walk(x)));
  };
  walk(value);
  return out;
}

function spec(parts: Partial<ContainerSpec>): ContainerSpec {
  return {
    name: "/corpus", image: "matrixdotorg/synapse:latest", entrypoint: null, cmd: [], env: {}, binds: [], networks: [], labels: {},
    restartPolicy: "no", user: null, ports: [], resources: { nanoCpus: null, memoryBytes: null }, ...parts,
  };
}

function plan(parts: { files?: Plan["files"]; spec?: ContainerSpec; warnings?: string[] }): Plan {
  return {
    intent: { kind: "add_worker", type: "generic" }, summary: "corpus", files: parts.files ?? [],
    steps: parts.spec ? [{ kind: "create_container", process: "corpus", spec: parts.spec, reason: "corpus" }] : [],
    restarts: [], destructive: false, expected: [], warnings: parts.warnings ?? [],
  };
}

function snapshotWith(files: Record<string, string>, container: ContainerSpec | null) {
  const snap = labSnapshot();
  return { ...snap, files, processes: container ? [{ ...snap.processes[0], container: { ...container, id: "c", managedByFleet: false } }] : [] };
}

/** Every masking function that must hide the case's secrets: its name, what it was given, what it gave. */
function outputs(c: CorpusCase): Array<[string, unknown, unknown]> {
  const lines = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join("\n");
  switch (c.kind) {
    case "yaml": {
      const snap = snapshotWith({ "homeserver.yaml": c.input }, null);
      const p = plan({ files: [{ path: "workers/w.yaml", before: c.input, after: c.input }] });
      const out: Array<[string, unknown, unknown]> = [
        ["maskSecrets", c.input, maskSecrets(c.input)],
        ["maskFileText", c.input, maskFileText("homeserver.yaml", c.input)],
        ["maskSnapshot", snap, maskSnapshot(snap)],
        ["maskPlan", p, maskPlan(p)],
      ];
      let data: unknown;
      try {
        data = parse(c.input);
      } catch {
        return out; // not YAML: there is no data to mask
      }
      return [...out, ["maskDeep", data, maskDeep(data)]];
    }
    case "text": {
      const whole = spec(corpusSpecParts(c));
      const deep = { note: c.input, list: [c.input] };
      const p = plan({ spec: whole, warnings: [c.input], files: [{ path: "notes.txt", before: null, after: c.input }] });
      const snap = snapshotWith({ "notes.txt": c.input }, whole);
      return [
        ["maskValue", c.input, maskValue(c.input)],
        ["maskSecrets", c.input, maskSecrets(c.input)],
        ["maskArgs", [c.input], maskArgs([c.input])],
        ["maskEnv", { NOTE: c.input }, maskEnv({ NOTE: c.input })],
        ["maskLabels", { "example.note": c.input }, maskLabels({ "example.note": c.input })],
        ["maskDeep", deep, maskDeep(deep)],
        ["maskSpec", whole, maskSpec(whole)],
        ["maskPlan", p, maskPlan(p)],
        ["maskSnapshot", snap, maskSnapshot(snap)],
      ];
    }
    case "env":
    case "labels":
    case "argv": {
      const whole = spec(corpusSpecParts(c));
      const asText = c.kind === "argv" ? c.input.join(" ") : lines(c.input);
      const own: [string, unknown] =
        c.kind === "argv" ? ["maskArgs", maskArgs(c.input)] : c.kind === "env" ? ["maskEnv", maskEnv(c.input)] : ["maskLabels", maskLabels(c.input)];
      const p = plan({ spec: whole });
      const snap = snapshotWith({}, whole);
      return [
        [own[0], c.input, own[1]],
        ["maskValue", asText, maskValue(asText)],
        ["maskSpec", whole, maskSpec(whole)],
        ["maskDeep", c.input, maskDeep(c.input)],
        ["maskPlan", p, maskPlan(p)],
        ["maskSnapshot", snap, maskSnapshot(snap)],
      ];
    }
  }
}

/**
 * Functions that may hide more than the secret for a kind of input: maskDeep hides a whole value
 * under a secret name (a basic-auth user list too), and maskSecrets reads free text as YAML, where
 * `curl -H "Authorization: …` is a secret-named key whose whole value goes.
 */
function keepsSurvivors(kind: CorpusCase["kind"], fn: string): boolean {
  return !((fn === "maskDeep" && kind === "labels") || (fn === "maskSecrets" && kind === "text"));
}

describe("the masking corpus", () => {
  it("has at least 40 cases, each secret distinct from every survivor", () => {
    expect(secretsCorpus.length).toBeGreaterThanOrEqual(40);
    for (const c of secretsCorpus) for (const s of c.secrets) for (const keep of c.survivors) expect(keep.includes(s), `${c.name}: ${s} in ${keep}`).toBe(false);
    expect(secretsCorpus.flatMap((c) => c.secrets).length).toBeGreaterThanOrEqual(60);
  });

  for (const c of secretsCorpus) {
    it(`${c.kind}: ${c.name}`, () => {
      const raw = texts(c.input).join("\n");
      for (const s of c.secrets) expect(raw, `the case itself holds ${s}`).toContain(s);
      for (const [fn, input, output] of outputs(c)) {
        const all = texts(output);
        for (const s of c.secrets) expect(all.some((t) => t.includes(s)), `${fn} leaks ${JSON.stringify(s)}`).toBe(false);
        if (keepsSurvivors(c.kind, fn)) for (const keep of c.survivors) expect(all.some((t) => t.includes(keep)), `${fn} lost ${JSON.stringify(keep)}`).toBe(true);
        // Where a secret was given (parsing drops a commented one), the output says it was hidden.
        const given = texts(input).some((t) => c.secrets.some((s) => t.includes(s)));
        if (given) expect(all.some((t) => t.includes(MASK)), `${fn} shows no ${MASK}`).toBe(true);
      }
    });
  }

  it("masking twice gives what masking once gave", () => {
    for (const c of secretsCorpus) {
      if (c.kind !== "text" && c.kind !== "yaml") continue;
      const once = c.kind === "text" ? maskValue(c.input) : maskSecrets(c.input);
      expect(c.kind === "text" ? maskValue(once) : maskSecrets(once), c.name).toBe(once);
    }
  });
});
