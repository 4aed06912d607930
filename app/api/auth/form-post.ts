import "server-only";
import { NextRequest } from "next/server";
import { ApiError, handleApiError } from "@/lib/api/errors";
import { readBoundedText } from "@/lib/api/body";
import { BODY_LIMITS } from "@/lib/api/routes";

// Sign-in and sign-out also work as plain HTML forms, before the page's JavaScript runs (or
// without it). A form post is translated into the JSON call the route's apiRoute handler already
// takes — so size limits, authentication, the Origin check, throttling and the audit run exactly
// as for API callers — and its answer into a 303 the browser follows.

type Handler = (req: NextRequest, segment: { params: Promise<Record<string, never>> }) => Promise<Response>;
/** The route's API handler, called with a request rewritten from the form post. */
export type ApiCall = (req: NextRequest) => Promise<Response>;

const FORM_TYPE = "application/x-www-form-urlencoded";
const FORM_LIMIT = BODY_LIMITS.json;

function essence(contentType: string | null): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** A browser's form submission (urlencoded), as opposed to an API call. */
export function isFormBody(req: Request): boolean {
  return essence(req.headers.get("content-type")) === FORM_TYPE;
}

/** A form submission, or a request from a browser that asked for a page rather than JSON. */
export function wantsPage(req: Request): boolean {
  if (isFormBody(req)) return true;
  const accept = req.headers.get("accept") ?? "";
  return essence(req.headers.get("content-type")) !== "application/json" && /(^|,)\s*text\/html\b/i.test(accept);
}

/** The urlencoded fields of a form post, read within the JSON body limit (413 beyond it). */
export async function readFormFields(req: Request): Promise<URLSearchParams> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d{1,15}$/.test(declared.trim()) && Number(declared) > FORM_LIMIT) {
    throw new ApiError("payload_too_large", `Request body is ${declared.trim()} bytes; this route takes at most ${FORM_LIMIT}`);
  }
  const text = await readBoundedText(req.body, FORM_LIMIT);
  return new URLSearchParams(text);
}

/**
 * The same request as JSON (or with no body), for the route's own handler. Every header is kept —
 * Cookie, Origin, Host and the server's client-address stamp — except those describing the old body.
 */
export function asApiRequest(req: NextRequest, json?: unknown): NextRequest {
  const headers = new Headers(req.headers);
  for (const h of ["content-type", "content-length", "transfer-encoding"]) headers.delete(h);
  if (json === undefined) return new NextRequest(req.url, { method: req.method, headers, signal: req.signal });
  headers.set("content-type", "application/json");
  return new NextRequest(req.url, { method: req.method, headers, body: JSON.stringify(json), signal: req.signal });
}

/** 303 See Other to a path on this site, with the cookies the API answer set. */
export function seeOther(location: string, setCookie?: string | null): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  if (setCookie) headers.set("Set-Cookie", setCookie);
  return new Response(null, { status: 303, headers });
}

/**
 * Form posts must say where they come from: every browser sends Origin on a POST, so one
 * without it is not a browser's form and gets no redirect-driven sign-in or sign-out.
 */
export function refuseFormWithoutOrigin(req: Request): Response | null {
  return req.headers.get("origin") ? null : handleApiError(new ApiError("forbidden", "Missing Origin header"));
}

/** Runs `handler` for API callers and `onPage` for browsers that post a form. */
export function orForm(handler: Handler, onPage: (req: NextRequest, api: ApiCall) => Promise<Response>): Handler {
  return async (req, segment) => {
    if (!wantsPage(req)) return handler(req, segment);
    try {
      return await onPage(req, (inner) => handler(inner, segment));
    } catch (err) {
      return handleApiError(err);
    }
  };
}
