import { describe, expect, it } from "vitest";
import { isSecretKey, maskArgs, maskDeep, maskEnv, maskLabels, maskPlan, maskSecrets, maskSnapshot, maskValue, MASK } from "./secrets";
import { planIntent } from "./plan";
import { labHomeserverYaml, labSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";

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

describe("the masking policy", () => {
  it("tells secret names from the settings and paths around them", () => {
    const secret = [
      "password", "api_key", "apiKey", "secret_key", "private_key", "token", "secret_access_key", "jwk", "dsn", "REDIS_PASS", "PGPASSWORD",
      "APP_SECRET_VALUE", "SECRET_KEY_BASE", "as_token", "old_signing_keys", "macaroon_secret_key", "client_secret", "--redis-password",
      "traefik.http.middlewares.a.basicauth.users", "Authorization", "pepper",
    ];
    const notSecret = [
      "password_config", "password_providers", "signing_key_path", "PGPASSFILE", "POSTGRES_PASSWORD_FILE", "token_endpoint", "access_token_lifetime",
      "access_key_id", "recaptcha_public_key", "trusted_key_servers", "key_refresh_interval", "user", "host", "traefik.http.routers.x.rule", "",
    ];
    for (const k of secret) expect(isSecretKey(k), k).toBe(true);
    for (const k of notSecret) expect(isSecretKey(k), k).toBe(false);
  });

  it("keeps a map and booleans under a secret-looking key, and hides only the secret part of a URL", () => {
    const text = "password_config:\n  enabled: true\nregistration_requires_token: true\npublic_baseurl: https://matrix.example.com/\n";
    expect(maskSecrets(text)).toBe(text);
    expect(maskValue("postgres://synapse:pw1@db:5432/synapse")).toBe(`postgres://synapse:${MASK}@db:5432/synapse`);
    expect(maskValue("redis://:pw2@redis:6379")).toBe(`redis://:${MASK}@redis:6379`);
  });

  it("masks env by name and by shape, argv flags in both forms, basic-auth hashes but not user names", () => {
    expect(maskEnv({ REDIS_PASS: "a1", EMPTY_SECRET: "", URL: "https://u:b2@h/x", FLAG_TOKEN: "true" })).toEqual({
      REDIS_PASS: MASK, EMPTY_SECRET: "", URL: `https://u:${MASK}@h/x`, FLAG_TOKEN: "true",
    });
    expect(maskArgs(["--password", "c3", "--token=d4", "--config-path", "/data/h.yaml"])).toEqual(["--password", MASK, `--token=${MASK}`, "--config-path", "/data/h.yaml"]);
    expect(maskLabels({ "traefik.http.middlewares.a.basicauth.users": "ann:$apr1$x$y,bob:$2y$05$z" })).toEqual({
      "traefik.http.middlewares.a.basicauth.users": `ann:${MASK},bob:${MASK}`,
    });
  });

  it("maskDeep hides leaves under secret keys, keeps booleans, and reads string arrays as command lines", () => {
    expect(maskDeep({ db: { password: 1234, host: "db" }, token: { enabled: true, value: "e5" }, cmd: ["--api-key", "f6"], at: new Date(0) })).toEqual({
      db: { password: MASK, host: "db" }, token: { enabled: true, value: MASK }, cmd: ["--api-key", MASK], at: new Date(0),
    });
  });

  it("maskPlan hides the env, command and label secrets of a container it creates", () => {
    const snapshot = labSnapshot();
    const main = snapshot.processes[0].container!;
    main.env = { ...main.env, POSTGRES_PASSWORD: "plan-pw-1", DATABASE_URL: "postgres://synapse:plan-pw-2@db/synapse" };
    main.cmd = [...main.cmd, "--redis-password", "plan-pw-3"];
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    const spec = createdSpec(plan, "generic_worker2");
    expect(spec.env.POSTGRES_PASSWORD).toBe("plan-pw-1");
    expect(spec.cmd).toContain("plan-pw-3"); // the worker inherits main's command line
    spec.labels["traefik.http.middlewares.auth.basicauth.users"] = "ann:$apr1$plan-pw-4";
    const masked = JSON.stringify(maskPlan(plan));
    for (const secret of ["plan-pw-1", "plan-pw-2", "plan-pw-3", "plan-pw-4", "db-password-1234"]) expect(masked).not.toContain(secret);
    expect(masked).toContain("postgres://synapse:");
    expect(JSON.stringify(plan)).toContain("plan-pw-2"); // the plan itself is untouched
  });

  it("maskPlan of a plan that re-creates a container: its secret env masked, its key and certificate files whole, paths kept", () => {
    // A restore that brings back a worker made from a spec with secret env and key/cert binds, and
    // puts back the key files it had: create_container, the env rule and the .key/.pem rule all run.
    const secrets = {
      dbUrlPassword: "restore-db-pw-0815",
      redisPassword: "restore-redis-pw-4711",
      signingKey: "ed25519 a_test QmFzZTY0U2lnbmluZ0tleU1hdGVyaWFsMDEyMzQ1Njc4",
      tlsKey: "-----BEGIN PRIVATE KEY-----\nTUlJRXZRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NCS2N3\n-----END PRIVATE KEY-----\n",
      tlsCert: "-----BEGIN CERTIFICATE-----\nQ2VydGlmaWNhdGVCb2R5Tm90QVNlY3JldEJ1dFdob2xl\n-----END CERTIFICATE-----\n",
    };
    const current = labSnapshot();
    const target = labSnapshot();
    const media = target.processes.find((p) => p.name === "media_worker")!;
    media.container = {
      ...media.container!,
      env: { ...media.container!.env, DATABASE_URL: `postgres://synapse:${secrets.dbUrlPassword}@postgres:5432/synapse`, REDIS_PASSWORD: secrets.redisPassword },
      binds: [...media.container!.binds, "/srv/fleet/tls/media.key:/data/tls/media.key:ro", "/srv/fleet/tls/media.pem:/data/tls/media.pem:ro"],
    };
    target.files["fleet.test.signing.key"] = secrets.signingKey;
    target.files["tls/media.key"] = secrets.tlsKey;
    target.files["tls/media.pem"] = secrets.tlsCert;
    current.processes = current.processes.filter((p) => p.name !== "media_worker");
    const plan = planIntent({ kind: "restore", operationId: "op-keys", point: "before" }, { snapshot: current, restoreTarget: target });
    const created = createdSpec(plan, "media_worker");
    expect(created.env.REDIS_PASSWORD).toBe(secrets.redisPassword); // the plan carries the real values
    expect(plan.files.map((f) => f.path)).toEqual(expect.arrayContaining(["fleet.test.signing.key", "tls/media.key", "tls/media.pem"]));

    const masked = maskPlan(plan);
    const text = JSON.stringify(masked);
    for (const [what, secret] of Object.entries(secrets)) expect(text.includes(secret), what).toBe(false);
    for (const path of ["fleet.test.signing.key", "tls/media.key", "tls/media.pem"]) expect(masked.files.find((f) => f.path === path)).toEqual({ path, before: null, after: MASK });
    const spec = createdSpec(masked, "media_worker");
    expect(spec.env).toMatchObject({ REDIS_PASSWORD: MASK, DATABASE_URL: `postgres://synapse:${MASK}@postgres:5432/synapse`, PYTHONPATH: "/opt/fleetlab/python" });
    expect(spec.binds).toEqual(created.binds); // a path is not a secret: the operator sees what is mounted
    expect(masked.steps.map((s) => s.kind)).toEqual(plan.steps.map((s) => s.kind));
  });

  it("maskSnapshot masks every file and container, and a key file whole", () => {
    const snapshot = labSnapshot();
    snapshot.files["fleet.test.signing.key"] = "ed25519 a_x abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n";
    snapshot.processes[1].container!.env.SYNAPSE_TOKEN = "snap-tok-1";
    const masked = maskSnapshot(snapshot);
    expect(masked.files["fleet.test.signing.key"]).toBe(MASK);
    expect(JSON.stringify(masked)).not.toMatch(/snap-tok-1|db-password-1234|redis-password-5678|abcdefghijklmnopqrstuvwxyz/);
    expect(masked.files["workers/media_worker.yaml"]).toBe(snapshot.files["workers/media_worker.yaml"]);
  });

  it("reads on after a value to the next name: several secrets on one line", () => {
    expect(maskValue("user: bob password: pw1 two, token=t2 host=h")).toBe(`user: bob password: ${MASK}, token=${MASK} host=h`);
  });

  it("keeps a replication stream position in a logged request, and still masks the access token beside it", () => {
    const line = '"GET /_synapse/replication/get_repl_stream_updates/events?from_token=0&upto_token=2 HTTP/1.1" "Synapse/1.x"';
    expect(maskValue(line)).toBe(line);
    expect(maskValue("to_token=17 --stream-token 42 since_token: 3, next")).toBe("to_token=17 --stream-token 42 since_token: 3, next");
    expect(maskValue("GET /sync?access_token=abc123def&from_token=5")).toBe(`GET /sync?access_token=${MASK}&from_token=5`);
    // A position name with a value that is no integer, and an integer under a credential's name, stay masked.
    expect(maskValue("next_token=eyJhbGciOi9x upto_token=12ab access_token=123456 token=7")).toBe(`next_token=${MASK} upto_token=${MASK} access_token=${MASK} token=${MASK}`);
  });

  it("costs one pass over a megabyte of text that is one long word, whatever its separators", () => {
    const inputs = [
      "Ab9-_x".repeat(170_000), // base64url
      Array.from({ length: 100_000 }, (_, i) => `seg${i}`).join("."),
      "-x1".repeat(300_000),
      "a: ".repeat(300_000),
      'password="'.repeat(100_000),
      "a://b:".repeat(150_000),
    ];
    for (const text of inputs) {
      const started = performance.now();
      maskValue(text);
      expect(performance.now() - started, text.slice(0, 12)).toBeLessThan(1500);
    }
  });
});

describe("masking a load-balancer step", () => {
  it("masks credentials in the nginx config a reload_lb step writes, before and after, and in the snapshot's nginx -t message", () => {
    const token = "syt_YWxpY2U_kHNbqLgExPvzvRoQdWnA_1x2Y3z";
    const conf = (extra: string) => `upstream synapse_main { server synapse:8008; }\nserver {\n  listen 8080;\n  location / {\n    proxy_set_header Authorization "Bearer ${token}";${extra}\n    proxy_pass http://synapse_main;\n  }\n}\n`;
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() });
    const withLb = {
      ...plan,
      steps: [...plan.steps, { kind: "reload_lb" as const, process: "fleetlab_lb_1", path: "nginx/synapse.conf", before: conf(""), after: conf("\n    proxy_read_timeout 60s;"), reason: "route to generic_worker2" }],
    };
    const masked = maskPlan(withLb);
    expect(JSON.stringify(masked)).not.toContain(token);
    const step = masked.steps.at(-1)!;
    expect(step.kind === "reload_lb" && step.after).toContain("proxy_read_timeout 60s;");
    expect(step.kind === "reload_lb" && step.after).toContain("proxy_pass http://synapse_main;");

    const snapshot = { ...labSnapshot(), loadBalancer: { kind: "nginx" as const, name: "fleetlab_lb_1", containerId: "lb", state: "running", configFile: "nginx/synapse.conf", check: { ok: false, message: `nginx: [emerg] invalid header "Authorization: Bearer ${token}"` } } };
    expect(JSON.stringify(maskSnapshot(snapshot))).not.toContain(token);
  });
});
