import "server-only";

/**
 * "A credential may have stopped standing in this process" (a token revoked, sessions ended, a
 * user disabled or given another role). Kept apart from revocation.ts, which listens, so the
 * modules that make such changes need not import it (no import cycle through sessions.ts).
 */
const listeners = new Set<() => void>();

/** Called after a change that may end credentials; listeners must not throw. */
export function credentialsChanged(): void {
  for (const fn of listeners) fn();
}

/** Subscribes to credentialsChanged; returns the unsubscribe. */
export function onCredentialsChanged(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
