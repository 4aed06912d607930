import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/**
 * The lab's real secret values, gathered where they live — homeserver.yaml, the signing key, the
 * lab's secrets.env and every lab container's environment — so a test can prove that none of them
 * leaves the dashboard. Only values of 8 characters or more: a shorter one would match by chance.
 */

export interface LabSecret {
  /** Where it was found, for a failure message (never the value itself). */
  where: string;
  value: string;
}

const MIN_LENGTH = 8;
/** Env names that hold a credential (the lab's own, and what an operator's side tools use). */
const SECRET_ENV_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY/i;
/** The password of a `scheme://user:password@host` URL. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/i;

type HomeserverSecrets = {
  database?: { args?: { password?: unknown } };
  redis?: { password?: unknown };
  registration_shared_secret?: unknown;
  macaroon_secret_key?: unknown;
  form_secret?: unknown;
};

function homeserverSecrets(configDir: string): LabSecret[] {
  const hs = parse(readFileSync(path.join(configDir, "homeserver.yaml"), "utf8")) as HomeserverSecrets;
  const named: Array<[string, unknown]> = [
    ["homeserver.yaml database.args.password", hs.database?.args?.password],
    ["homeserver.yaml redis.password", hs.redis?.password],
    ["homeserver.yaml registration_shared_secret", hs.registration_shared_secret],
    ["homeserver.yaml macaroon_secret_key", hs.macaroon_secret_key],
    ["homeserver.yaml form_secret", hs.form_secret],
  ];
  return named.map(([where, value]) => {
    if (typeof value !== "string") throw new Error(`${where} is not set: the lab is expected to have it`);
    return { where, value };
  });
}

/** The key material of the signing key (`ed25519 <id> <base64>`): the last word. */
function signingKey(configDir: string): LabSecret[] {
  const file = path.join(configDir, "fleet.test.signing.key");
  const words = readFileSync(file, "utf8").trim().split(/\s+/);
  return [{ where: "fleet.test.signing.key", value: words[words.length - 1] }];
}

/** lab/.state/secrets.env, beside the config dir: the passwords lab.sh generated. */
function stateSecrets(configDir: string): LabSecret[] {
  const file = path.join(configDir, "..", "secrets.env");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
    .flatMap((m) => (m ? [{ where: `secrets.env ${m[1]}`, value: m[2] }] : []));
}

/** Secret values in the environment of every container of the lab's compose project. */
export function containerEnvSecrets(project = process.env.FLEET_LAB_COMPOSE_PROJECT ?? "fleetlab"): LabSecret[] {
  const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const records = JSON.parse(execFileSync("docker", ["inspect", ...ids], { encoding: "utf8" })) as Array<{ Name: string; Config: { Env: string[] | null } }>;
  const out: LabSecret[] = [];
  for (const r of records) {
    for (const entry of r.Config.Env ?? []) {
      const eq = entry.indexOf("=");
      const name = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      const where = `${r.Name.replace(/^\//, "")} env ${name}`;
      if (SECRET_ENV_NAME.test(name)) out.push({ where, value });
      const url = URL_PASSWORD.exec(value);
      if (url) out.push({ where: `${where} (URL password)`, value: url[1] });
    }
  }
  return out;
}

/** Every real secret of the lab, each value once. */
export function labSecrets(configDir: string): LabSecret[] {
  const all = [...homeserverSecrets(configDir), ...signingKey(configDir), ...stateSecrets(configDir), ...containerEnvSecrets()];
  const seen = new Map<string, LabSecret>();
  for (const s of all) if (s.value.length >= MIN_LENGTH && !seen.has(s.value)) seen.set(s.value, s);
  return [...seen.values()];
}

/** The secrets found in `text`, by where they came from (an empty list: none). */
export function leakedIn(text: string, secrets: LabSecret[]): string[] {
  return secrets.filter((s) => text.includes(s.value)).map((s) => s.where);
}
