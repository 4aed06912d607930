import { envName, isHarmlessValue, isSecretKey, nameWords } from "./secret-keys";

/**
 * Credential shapes inside any text, and the secret parts of env vars, command lines and labels.
 * Every function takes a `Replacer` that decides what a secret becomes: «masked» for the API and
 * the server log (secrets.ts), a `${VAR}` reference for the compose export. Only the secret part
 * is replaced, so `postgres://synapse:«masked»@db:5432/synapse` still tells an operator where the
 * database is. Pure and browser-safe.
 */

export const MASK = "«masked»";

/**
 * Marks text a replacer produced that must not be scanned again (the compose export's
 * placeholders are built with it); text holding it or MASK is already hidden.
 */
export const HIDDEN_MARK = "\u0000";

/** Turns one secret into what is shown instead; `hint` names the kind of secret (`PASSWORD`, `REDIS_PASSWORD`). */
export type Replacer = (secret: string, hint: string) => string;

/** True for text that is no secret of its own: empty, already hidden, or a `$VAR`/`${VAR}` reference. */
function alreadyHidden(secret: string): boolean {
  return secret.trim() === "" || secret.includes(MASK) || secret.includes(HIDDEN_MARK) || /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(secret);
}

/** Replaces a secret, keeping the whitespace around it (a PEM body's line breaks). */
function replaceCore(secret: string, hint: string, r: Replacer): string {
  if (alreadyHidden(secret)) return secret;
  const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(secret)!;
  return lead + r(core, hint) + trail;
}

/** A shape: the regex's groups are (kept before)(secret)(kept after). */
interface Shape {
  pattern: RegExp;
  hint: string;
  /** Extra test on the secret, for shapes that ordinary words could take ("Bearer authentication"). */
  accept?: (secret: string) => boolean;
}

/** A token, not a word: long enough, and with a digit, mixed case or a token punctuation mark. */
function looksLikeToken(s: string): boolean {
  return s.length >= 8 && (/[0-9]/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s)) || /[._~+/=-]/.test(s));
}

// Order matters: a PEM body or a URL's password is taken whole before the narrower shapes look at it.
// Every pattern starts only where its run of characters starts, and bounds what it scans before
// it can fail, so a megabyte of one word costs one pass, not one per character.
const SHAPES: Shape[] = [
  // PEM private keys (RSA, EC, OpenSSH, PGP, encrypted); a block cut off before its END is hidden to the end.
  { pattern: /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)([\s\S]*?)(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g, hint: "PRIVATE_KEY" },
  // URL userinfo with a password: postgres://u:p@host, redis://:p@host. The password runs to the last @ before the host.
  // Quotes may be part of it (`u:pw'1@h`): a run can only over-reach to a later @ in the same word.
  { pattern: /((?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s/?#@:'"<>]*:)([^\s/<>]+)(@)/g, hint: "PASSWORD" },
  // URL userinfo that is one long token (a Sentry DSN key, https://<token>@host); short user names stay.
  { pattern: /((?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s/?#@:'"<>]{16,})(@)/g, hint: "TOKEN" },
  // HTTP credentials after their scheme: Authorization: Bearer …, curl -H "Authorization: Basic …".
  { pattern: /(\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN)[ \t]+)([A-Za-z0-9._~+/=-]+)()/g, hint: "TOKEN", accept: looksLikeToken },
  // Synapse access/refresh tokens, and matrix-authentication-service ones.
  { pattern: /()((?<![A-Za-z0-9])(?:sy[tr]|mc[tr])_[A-Za-z0-9_-]{10,})()/g, hint: "ACCESS_TOKEN" },
  // Synapse Fleet's own API tokens (sf_ + 43 base64url characters).
  { pattern: /()((?<![A-Za-z0-9])sf_[A-Za-z0-9_-]{20,})()/g, hint: "API_TOKEN" },
  // JWTs and JWEs: a base64url JSON header ("eyJ") and at least one more part.
  { pattern: /()((?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)*)()/g, hint: "JWT" },
  // AWS access key ids.
  { pattern: /()((?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9]))()/g, hint: "AWS_ACCESS_KEY_ID" },
  // GitHub, GitLab, Slack and Stripe tokens, often pasted into env and command lines.
  { pattern: /()((?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}))()/g, hint: "TOKEN" },
  // Synapse signing keys as its key file holds them: "ed25519 a_AbCd <base64 seed>".
  { pattern: /(\bed25519[ \t]+[A-Za-z0-9_:.-]+[ \t]+)([A-Za-z0-9+/=_-]{40,})()/g, hint: "SIGNING_KEY" },
  // Password hashes (htpasswd, crypt(3), Traefik basic auth): a hash can be cracked offline.
  { pattern: /()((?:\$(?:apr1|2[abxy]|1|5|6|argon2id|argon2i|argon2d)\$|\{SHA\})[^\s,'"]+)()/g, hint: "PASSWORD_HASH" },
];

/**
 * `name=value` and `name: value` pairs whose name is a secret, in free text: `--password=x`,
 * `password=x` in a libpq string, `"token": "x"` in JSON, `?access_token=x` in a query,
 * `password: two words # comment` in YAML-like text. Quoted values are replaced inside their
 * quotes; an auth scheme before the value stays. After `=` a value ends at white space (command
 * lines, query strings); after `:` it runs to a comma, bracket, comment or the end of the line.
 */
// A name starts where a run of name characters starts (never inside one: a 1 MB base64url blob
// would otherwise be scanned again from every "-") and is at most 128 characters long.
const NAME = String.raw`(?<![A-Za-z0-9_$.-])(["']?)(-{0,2}[A-Za-z_][A-Za-z0-9_.-]{0,127})\1`;
const SCHEME = String.raw`(?:(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]+)?`;
const QUOTED = String.raw`"(?:[^"\\\n]|\\.)*"|'[^'\n]*'`;
// A quote inside an unquoted value belongs to it (`password=pw'1`); one that ends the value closes the text around it.
const WORD = String.raw`(?:[^\s,;&"'<>{}[\]]|["'](?=[^\s,;&"'<>{}[\]]))+`;
// A `${VAR}` reference is taken whole, so it is seen as a reference (and left alone), not as "$".
const REFERENCE = String.raw`\$\{[A-Za-z_][A-Za-z0-9_]*\}`;
const KEY_EQUALS = new RegExp(String.raw`${NAME}([ \t]*=[ \t]*${SCHEME})(${QUOTED}|${REFERENCE}|${WORD})`, "g");
// A value of several words stops before the next `name:` or `name=` ("user: bob password: x").
const NEXT_NAME = String.raw`["']?[A-Za-z_][A-Za-z0-9_.-]{0,127}["']?[ \t]*[:=]`;
// `--password x` inside one string (a shell command line): the flag's next word.
const FLAG_SPACE = new RegExp(String.raw`(?<![A-Za-z0-9_.-])()(--?[A-Za-z][A-Za-z0-9_.-]{0,127})([ \t]+)(${QUOTED}|${REFERENCE}|(?!-)${WORD})`, "g");
const KEY_COLON = new RegExp(String.raw`${NAME}([ \t]*:(?!//)[ \t]*${SCHEME})(${QUOTED}|${REFERENCE}|${WORD}(?:[ \t]+(?!#|${NEXT_NAME})${WORD})*)`, "g");

/** Words before `token` that make it a place in a stream, not a credential: `from_token`, `upto_token`. */
const POSITION_WORDS = new Set(["from", "upto", "to", "since", "prev", "next", "current", "last", "stream", "min", "max"]);

/**
 * A stream position, shown as it is: Synapse's replication asks `?from_token=0&upto_token=2` and logs
 * it, and masking those numbers would only hide where a worker stands. Both the name (a position
 * word right before `token`) and the value (a plain integer, which no credential is) must say so,
 * so `access_token=…` and a `next_token` holding anything else stay masked.
 */
function isStreamPosition(key: string, value: string): boolean {
  const words = nameWords(key);
  return words.length >= 2 && words.at(-1) === "token" && POSITION_WORDS.has(words.at(-2)!) && /^\d{1,20}$/.test(value);
}

function replaceKeyValues(text: string, pattern: RegExp, r: Replacer): string {
  return text.replace(pattern, (all, quote: string, key: string, sep: string, value: string) => {
    if (!isSecretKey(key)) return all;
    const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
    const inner = quoted ? value.slice(1, -1) : value;
    if (isHarmlessValue(inner) || /^[|>][-+0-9]*$/.test(inner) || isStreamPosition(key, inner)) return all;
    const replaced = replaceCore(inner, envName(key), r);
    return `${quote}${key}${quote}${sep}${quoted ? value[0] + replaced + value[0] : replaced}`;
  });
}

/** Replaces every credential shape in free text (config, command lines, error messages, log lines). */
export function replaceInText(text: string, r: Replacer): string {
  let out = text;
  for (const shape of SHAPES) out = applyShape(out, shape, r);
  // Last, so a signing key or PEM block under a secret name is taken whole by its shape first.
  out = replaceKeyValues(out, KEY_EQUALS, r);
  out = replaceKeyValues(out, FLAG_SPACE, r);
  return replaceKeyValues(out, KEY_COLON, r);
}

function applyShape(text: string, shape: Shape, r: Replacer): string {
  return text.replace(shape.pattern, (all, pre: string, secret: string, post: string) => {
    if (alreadyHidden(secret) || (shape.accept && !shape.accept(secret))) return all;
    return pre + replaceCore(secret, shape.hint, r) + post;
  });
}

/** The value of a secret-named setting, whole (kept when it says nothing: empty, true/false). */
export function replaceNamedValue(name: string, value: string, r: Replacer): string {
  if (isHarmlessValue(value) || alreadyHidden(value)) return value;
  return replaceCore(value, envName(name), r);
}

/** Environment variables: secret names lose their value, the others keep all but credential shapes. */
export function replaceInEnv(env: Record<string, string>, r: Replacer): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretKey(k) ? replaceNamedValue(k, v, r) : replaceInText(v, r)]));
}

/** A command line: `--password x` hides x, `--password=x`, URLs and other shapes are hidden in place. */
export function replaceInArgs(argv: readonly string[], r: Replacer): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/.exec(argv[i]);
    out.push(replaceInText(argv[i], r));
    if (flag && isSecretKey(flag[1]) && i + 1 < argv.length) {
      out.push(replaceNamedValue(flag[1], argv[i + 1], r));
      i++;
    }
  }
  return out;
}

/** A label's hint: its last words, enough to tell one from another (`AUTH_BASICAUTH_USERS`). */
function labelHint(key: string): string {
  return envName(nameWords(key).slice(-3).join("_"));
}

/**
 * Container labels. Traefik's `…basicauth.users` keeps each user name and hides its hash;
 * another secret-named label loses its value; the rest keep all but credential shapes.
 */
export function replaceInLabels(labels: Record<string, string>, r: Replacer): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels).map(([k, v]) => {
      const words = nameWords(k);
      if (words.at(-1) === "users" && /^(basic|digest)auth$/.test(words.at(-2) ?? "")) {
        const hint = labelHint(k);
        const users = v.split(",").map((entry) => {
          const colon = entry.indexOf(":");
          return colon > 0 ? entry.slice(0, colon + 1) + replaceCore(entry.slice(colon + 1), hint, r) : replaceCore(entry, hint, r);
        });
        return [k, users.join(",")];
      }
      if (isSecretKey(k)) return [k, isHarmlessValue(v) || alreadyHidden(v) ? v : replaceCore(v, labelHint(k), r)];
      return [k, replaceInText(v, r)];
    }),
  );
}
