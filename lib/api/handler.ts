import "server-only";
import type { NextRequest } from "next/server";
import { authenticateRequest, clientIp, roleAllows, type Principal } from "@/lib/auth";
import { recordAudit } from "@/lib/audit";
import { ApiError, handleApiError } from "./errors";
import { readBoundedJson, refuseOversizedBody, refuseUnexpectedBody } from "./body";
import { isMutation, routeTable, type RouteKey, type RouteSpec } from "./routes";
import { logSafely } from "@/lib/log";
import { jsonResponse } from "./json";

export { isMutation } from "./routes";

export interface RouteContext<P> {
  req: NextRequest;
  params: P;
  /** Null only on public routes. */
  principal: Principal;
  /** The JSON body, read within the route's limit; undefined on routes that take none. */
  body: unknown;
  /** What the audit entry of this request names: the resource acted on, and a word on it (never a secret). */
  audit: { target?: string; detail?: string; actor?: string };
}

/**
 * Wraps a route handler. The route's access and body are declared once, in routes.ts; this
 * enforces them in order, before the handler runs: body size (413), authentication (401),
 * role (403), same origin for cookie-authenticated mutations (403), content type (415), JSON
 * (400). Errors become HTTP here and only here. Every mutation and every secret-revealing read
 * is audited with its outcome.
 */
export function apiRoute<P = Record<string, never>>(key: RouteKey, fn: (ctx: RouteContext<P>) => Promise<Response | unknown>) {
  const spec: RouteSpec = routeTable[key];
  const method = key.slice(0, key.indexOf(" "));
  const audited = (isMutation(method) && spec.readOnly !== true) || spec.revealsSecrets === true;
  return async (req: NextRequest, segment: { params: Promise<P> }): Promise<Response> => {
    let principal: Principal | null = null;
    const audit: RouteContext<P>["audit"] = {};
    let response: Response;
    try {
      refuseOversizedBody(req, spec);
      if (spec.access !== "public") {
        principal = await authenticateRequest(req);
        if (!principal) throw new ApiError("unauthorized", "Authentication required");
        if (!roleAllows(principal.role, spec.access)) throw new ApiError("forbidden", `This needs the ${spec.access} role`);
        if (principal.kind === "session" && isMutation(req.method)) assertSameOrigin(req);
      }
      const body = spec.body ? await readBoundedJson(req, spec.body.limit) : refuseUnexpectedBody(req);
      const params = (await segment?.params) ?? ({} as P);
      const out = await fn({ req, params, principal: principal as Principal, body, audit });
      response = out instanceof Response ? out : jsonResponse(out, { status: spec.status === 201 ? 201 : 200 });
    } catch (err) {
      response = handleApiError(err);
    }
    // Refused anonymous probes are not actions; a sign-in is, whether it worked or not.
    if (audited && (principal || [200, 401].includes(response.status))) await auditRequest(key, req, principal, audit, response.status);
    return response;
  };
}

async function auditRequest(key: RouteKey, req: Request, principal: Principal | null, audit: RouteContext<unknown>["audit"], status: number): Promise<void> {
  try {
    await recordAudit({
      actor: principal?.name ?? audit.actor ?? "anonymous",
      actorKind: principal?.kind ?? "anonymous",
      action: key,
      target: audit.target ?? null,
      detail: audit.detail ?? null,
      status,
      ip: clientIp(req),
    });
  } catch (err) {
    // The action has happened; a lost audit row must be loud, but must not turn success into failure.
    logSafely(`[audit] could not record ${key} (${status}):`, err);
  }
}

/** Browsers always send Origin on cross-site and same-site POSTs; it must name this host. */
export function assertSameOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (!origin || !host) throw new ApiError("forbidden", "Missing Origin header");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new ApiError("forbidden", "Malformed Origin header");
  }
  if (originHost !== host) throw new ApiError("forbidden", "Cross-origin request refused");
}
