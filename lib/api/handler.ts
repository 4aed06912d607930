import "server-only";
import type { NextRequest } from "next/server";
import { authenticateRequest, roleAllows, type Principal, type Role } from "@/lib/auth";
import { ApiError, handleApiError } from "./errors";

type Access = Role | "public";

export interface RouteContext<P> {
  req: NextRequest;
  params: P;
  principal: Principal;
}

/**
 * Wraps a route handler: authenticates, checks the role, checks Origin on mutations
 * made with a session cookie (CSRF), and maps errors to HTTP. Every route uses it.
 */
export function apiRoute<P = Record<string, never>>(
  access: Access,
  fn: (ctx: RouteContext<P>) => Promise<Response | unknown>,
) {
  return async (req: NextRequest, segment: { params: Promise<P> }): Promise<Response> => {
    try {
      let principal: Principal | null = null;
      if (access !== "public") {
        principal = await authenticateRequest(req);
        if (!principal) throw new ApiError("unauthorized", "Authentication required");
        if (!roleAllows(principal.role, access)) throw new ApiError("forbidden", `This needs the ${access} role`);
        if (principal.kind === "session" && isMutation(req.method)) assertSameOrigin(req);
      }
      const params = (await segment?.params) ?? ({} as P);
      const out = await fn({ req, params, principal: principal as Principal });
      return out instanceof Response ? out : Response.json(out);
    } catch (err) {
      return handleApiError(err);
    }
  };
}

export function isMutation(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
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

/** Parses a JSON body with a zod schema; a malformed body is a 400, not a 500. */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ApiError("bad_request", "Body must be JSON");
  }
}
