import { describe, expect, it } from "vitest";
import { maskPlan, maskSecrets, MASK } from "./secrets";
import { planIntent } from "./plan";
import { labHomeserverYaml, labSnapshot } from "./fixtures/lab";

describe("masking secrets", () => {
  it("masks every secret value and keeps every other byte", () => {
    const masked = maskSecrets(labHomeserverYaml);
    for (const secret of ["db-password-1234", "redis-password-5678", "shared~=secret,with#odd chars", "macaroon-key", "form-secret"]) expect(masked).not.toContain(secret);
    expect(masked).toContain(`    password: "${MASK}"\n`);
    expect(masked).toContain(`registration_shared_secret: "${MASK}"\n`);
    const differing = labHomeserverYaml.split("\n").filter((l, i) => masked.split("\n")[i] !== l);
    expect(differing).toHaveLength(5);
    expect(masked).toContain('signing_key_path: "/data/fleet.test.signing.key"');
  });

  it("masks nested, block, token and signing-key values", () => {
    const text = `oidc_providers:
  - idp_id: x
    client_secret: abc # keep this comment
turn_shared_secret: |
  multi
  line
old_signing_keys:
  "ed25519:a": {key: "AAAA", expired_ts: 1}
appservice_token: 'tok'
other: visible
`;
    const masked = maskSecrets(text);
    expect(masked).toBe(`oidc_providers:
  - idp_id: x
    client_secret: ${MASK} # keep this comment
turn_shared_secret: ${MASK}
old_signing_keys:
  "ed25519:a": {key: "${MASK}", expired_ts: ${MASK}}
appservice_token: '${MASK}'
other: visible
`);
  });

  it("masks line by line when the text is not valid YAML", () => {
    expect(maskSecrets("password: hunter2\nbroken: [\n")).toBe(`password: ${MASK}\nbroken: [\n`);
  });

  it("maskPlan masks before and after of every file change", () => {
    const plan = planIntent({ kind: "rollback_to_single_process" }, { snapshot: labSnapshot() });
    const masked = maskPlan(plan);
    const text = JSON.stringify(masked.files);
    expect(text).not.toContain("db-password-1234");
    expect(text).toContain(MASK);
    expect(masked.steps).toEqual(plan.steps);
  });
});
