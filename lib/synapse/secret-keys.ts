/**
 * Which names hold secrets: YAML keys at any depth, environment variables, command-line flags and
 * container labels. Pure and browser-safe. The rule works on the words of a name, so `api_key`,
 * `apiKey`, `API-KEY` and `--api-key` are one case.
 */

/** Words that name a secret wherever they end a name: `password`, `redis_pass`, `as_token`. */
const SECRET_WORDS = new Set([
  "pass", "pwd", "passwd", "passphrase", "password", "passwords", "secret", "secrets", "token", "tokens",
  "credential", "credentials", "jwk", "dsn", "pepper", "psk", "apikey", "privkey", "authorization", "htpasswd",
]);
/** Parts of a word that make it a secret word on its own: `PGPASSWORD`, `clientsecret`. */
const SECRET_INFIXES = /password|passwd|passphrase|secret|token|credential/;
/** `<x>_key(s)` is a secret for these x: `signing_key`, `old_signing_keys`, `recaptcha_private_key`. */
const KEY_QUALIFIERS = new Set(["secret", "private", "api", "signing", "encryption", "master", "shared", "hmac", "jwt", "session", "cookie", "license", "ssh"]);
/**
 * Words after a secret word that make the name describe something about it instead:
 * `password_config: {enabled: true}`, `token_endpoint`, `access_token_lifetime`.
 */
const DESCRIPTIVE_TAILS = new Set([
  "config", "configs", "enabled", "enable", "disabled", "providers", "provider", "endpoint", "url", "uri", "lifetime",
  "timeout", "ttl", "policy", "policies", "length", "min", "max", "type", "types", "expiry", "expires", "header",
  "name", "names", "user", "username", "required", "requires", "reset", "server", "servers", "interval", "period",
  "count", "size", "format", "algorithm", "alg", "mode", "method", "methods", "auth", "validity", "id",
]);
/** A name ending in one of these holds a path to a secret, not the secret: `signing_key_path`, `PGPASSFILE`. */
const PATH_ENDINGS = /(path|paths|file|files|filename|dir|directory)$/;

/** The lower-case words of a name: snake, kebab, dotted and camelCase alike. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function isSecretWord(word: string): boolean {
  return SECRET_WORDS.has(word) || SECRET_INFIXES.test(word);
}

/** Index of the last word that makes the name a secret, or -1. */
function lastSecretWord(words: string[]): number {
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i];
    if (isSecretWord(w)) return i;
    if ((w === "key" || w === "keys") && i > 0 && KEY_QUALIFIERS.has(words[i - 1])) return i;
    // Traefik's `…basicauth.users` / `…digestauth.users` hold password hashes.
    if (w === "users" && i > 0 && (words[i - 1] === "basicauth" || words[i - 1] === "digestauth")) return i;
  }
  return -1;
}

/**
 * True for a name whose value is a secret: config keys at any depth, env var names, flags,
 * labels. Paths to secrets (`*_path`, `*_file`) are not secrets; their values are still
 * scanned for credential shapes by the maskers.
 */
export function isSecretKey(key: string): boolean {
  const words = nameWords(key);
  if (words.length === 0) return false;
  if (PATH_ENDINGS.test(words[words.length - 1])) return false;
  const at = lastSecretWord(words);
  if (at < 0) return false;
  const tail = words.slice(at + 1);
  // Other words after a secret word still name the secret (`SECRET_KEY_BASE`, `MY_SECRET_THING`):
  // guessing wrong that way hides a harmless value, the other way leaks one.
  return !tail.some((w) => DESCRIPTIVE_TAILS.has(w));
}

/** Values that carry no secret even under a secret name: `registration_requires_token: true`. */
export function isHarmlessValue(value: string): boolean {
  return /^(true|false|null|none|~|)$/i.test(value.trim());
}

/** An upper-snake name for a secret, for references and hints: `redis-password` → `REDIS_PASSWORD`. */
export function envName(name: string): string {
  const words = nameWords(name);
  const joined = words.join("_").toUpperCase() || "SECRET";
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}
