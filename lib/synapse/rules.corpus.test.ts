import { describe, expect, it } from "vitest";
import { badConfigs } from "./fixtures/bad-configs";
import { labHomeserverYaml, labWorkerFiles, singleHomeserverYaml } from "./fixtures/lab";
import { RULES, validateDeployment } from "./rules";

const where = (f: { rule: string; file: string; line: number }) => `${f.rule} ${f.file}:${f.line}`;

describe("the corpus of broken configs", () => {
  it("has at least 40 cases and covers every rule", () => {
    expect(badConfigs.length).toBeGreaterThanOrEqual(40);
    const covered = new Set(badConfigs.map((c) => c.expect.rule));
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
    expect(new Set(badConfigs.map((c) => c.name)).size).toBe(badConfigs.length);
  });

  for (const c of badConfigs) {
    it(`${c.name}: ${c.expect.rule} at ${c.expect.file}:${c.expect.line}`, () => {
      const found = validateDeployment(c.files).map(where).sort();
      expect(found).toEqual([c.expect, ...(c.also ?? [])].map(where).sort());
    });
  }
});

describe("clean configs", () => {
  it("the lab's files and single mode have no finding at all", () => {
    expect(validateDeployment({ "homeserver.yaml": labHomeserverYaml, ...labWorkerFiles })).toEqual([]);
    expect(validateDeployment({ "homeserver.yaml": singleHomeserverYaml })).toEqual([]);
  });
});
