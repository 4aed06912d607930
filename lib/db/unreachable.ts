/**
 * Whether an error means "the database is not there" (refused, reset, timed out, shut down), as
 * opposed to "the database said no". The API answers the first with 503 and retries nothing itself:
 * the pool makes new connections once the server is back. Walks the cause chain, since Prisma's
 * driver adapters wrap the driver's error.
 */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
// PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now; Prisma: can't reach, timed out, closed.
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "P1001", "P1002", "P1017"]);
const MESSAGES = /Connection terminated|Can't reach database server|connect ECONNREFUSED|Client has encountered a connection error|server closed the connection unexpectedly/i;

export function isDatabaseUnreachable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown } | undefined; e && typeof e === "object" && !seen.has(e); e = e.cause as typeof e) {
    seen.add(e);
    for (const code of [e.code, e.originalCode]) if (typeof code === "string" && (NETWORK_CODES.has(code) || SERVER_CODES.has(code))) return true;
    if (typeof e.message === "string" && MESSAGES.test(e.message)) return true;
  }
  return false;
}
