import { maskValue } from "@/lib/synapse/secrets";

/**
 * The dashboard's own server log never holds a secret: an error from the engine, the database or
 * a config parser can quote a connection URL or a line of homeserver.yaml, so what is printed
 * goes through the masking policy first.
 */

/** An error as one masked text: its stack (or message), then each `cause`, at most 5 deep. */
export function safeErrorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(current.stack ?? `${current.name}: ${current.message}`);
      current = (current as Error & { cause?: unknown }).cause;
    } else {
      parts.push(typeof current === "string" ? current : safeJson(current));
      break;
    }
  }
  return maskValue(parts.join("\ncaused by: "));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** console.error(prefix, err) with the error masked: for every log call that may print config text or a URL. */
export function logSafely(prefix: string, err: unknown): void {
  console.error(maskValue(prefix), safeErrorText(err));
}
