import { describe, expect, it } from "vitest";
import { secretsCorpus } from "./fixtures/secrets-corpus";
import { labHomeserverYaml, labWorkerFiles } from "./fixtures/lab";
import { MASK, maskSecrets } from "./secrets";
import { unmaskSecrets } from "./secrets-unmask";

const lab = { "homeserver.yaml": labHomeserverYaml, ...labWorkerFiles };
const where = (r: ReturnType<typeof unmaskSecrets>) => r.findings.map((f) => `${f.rule} ${f.file}:${f.line}:${f.column}`);

describe("unmaskSecrets", () => {
  it("gives back the disk file from its masked form, for the lab's files", () => {
    for (const [path, text] of Object.entries(lab)) {
      const r = unmaskSecrets(maskSecrets(text), text, path);
      expect(r.findings, path).toEqual([]);
      expect(r.text, path).toBe(text);
    }
  });

  // The YAML cases; free-text ones may fold a multi-line PEM into one «masked», which no line can give back.
  for (const c of secretsCorpus.filter((x) => x.kind === "yaml")) {
    it(`round-trips the corpus case "${c.name}"`, () => {
      const input = c.input as string;
      const masked = maskSecrets(input);
      const r = unmaskSecrets(masked, input);
      expect(r.text).toBe(input);
      expect(r.findings).toEqual([]);
    });
  }

  it("keeps an edit and puts the secrets back byte for byte, quotes included", () => {
    const masked = maskSecrets(labHomeserverYaml);
    expect(masked).toContain(`password: "${MASK}"`);
    const edited = masked.replace("report_stats: false", "report_stats: true # edited");
    const r = unmaskSecrets(edited, labHomeserverYaml, "homeserver.yaml");
    expect(r.findings).toEqual([]);
    expect(r.text).toBe(labHomeserverYaml.replace("report_stats: false", "report_stats: true # edited"));
  });

  it("restores a secret whose surroundings moved, by its path", () => {
    const disk = "# a\nredis:\n  enabled: true\n  password: 'redis-pw'\n";
    const edited = "# a\n# a new comment\nredis:\n  host: redis\n  enabled: true\n  password: '«masked»'\n";
    expect(unmaskSecrets(edited, disk)).toEqual({ text: edited.replace("'«masked»'", "'redis-pw'"), findings: [] });
  });

  it("restores a multi-line block secret and the credentials of a URL", () => {
    const disk = "tls_private_key: |\n  line-one-secret\n  line-two-secret\npublic_baseurl: https://user:url-pw@host.example/\n";
    const masked = maskSecrets(disk);
    expect(masked).not.toContain("url-pw");
    expect(masked).not.toContain("line-one-secret");
    const r = unmaskSecrets(masked, disk);
    expect(r).toEqual({ text: disk, findings: [] });
  });

  it("reports «masked» typed under a key that holds no secret, at its position, and leaves it", () => {
    const edited = maskSecrets(labHomeserverYaml).replace('public_baseurl: "http://localhost:8080/"', `public_baseurl: "${MASK}"`);
    const r = unmaskSecrets(edited, labHomeserverYaml, "homeserver.yaml");
    expect(where(r)).toEqual(["masked-value-unknown homeserver.yaml:5:18"]);
    expect(r.findings[0].level).toBe("error");
    expect(r.text).toContain(`public_baseurl: "${MASK}"`);
    expect(r.text).toContain('password: "db-password-1234"');
  });

  it("reports a secret path the disk does not have instead of guessing one", () => {
    const disk = "redis:\n  password: redis-pw\n";
    const edited = "redis:\n  password: «masked»\nother:\n  password: «masked»\n";
    const r = unmaskSecrets(edited, disk, "homeserver.yaml");
    expect(r.text).toBe("redis:\n  password: redis-pw\nother:\n  password: «masked»\n");
    expect(where(r)).toEqual(["masked-value-unknown homeserver.yaml:4:13"]);
  });

  it("restores unambiguous lines when the edit is not valid YAML, and reports the rest", () => {
    const disk = "a:\n  password: one-pw\nb:\n  password: two-pw\nform_secret: fs-1\n";
    const edited = "a:\n  password: «masked»\nb:\n  password: «masked»\nform_secret: «masked»\nbroken: [\n";
    const r = unmaskSecrets(edited, disk, "x.yaml");
    expect(r.text).toBe("a:\n  password: «masked»\nb:\n  password: «masked»\nform_secret: fs-1\nbroken: [\n");
    expect(where(r)).toEqual(["masked-value-unknown x.yaml:2:13", "masked-value-unknown x.yaml:4:13"]);
  });

  it("leaves a text without «masked» untouched", () => {
    expect(unmaskSecrets("a: 1\n", "a: 2\n")).toEqual({ text: "a: 1\n", findings: [] });
  });
});
