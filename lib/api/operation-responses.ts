import "server-only";
import { expectedFingerprint, type PreviewedPlan } from "@/lib/operations";
import { jsonResponse } from "./json";

// How the operation routes answer and what they read from the request besides the body. Their
// refusals are FleetErrors, answered by handleApiError like any other.

/** A started operation: 202 Accepted with the id to follow. */
export function accepted(body: { operationId: string }): Response {
  return jsonResponse(body, { status: 202, headers: { Location: `/api/operations/${encodeURIComponent(body.operationId)}` } });
}

/** A previewed plan, its fingerprint as the ETag an apply may send back in If-Match. */
export function previewed(p: PreviewedPlan): Response {
  return jsonResponse(p.plan, { headers: { ETag: `"${p.fingerprint}"` } });
}

/** The plan fingerprint an apply was confirmed on (If-Match), or null: apply whatever plans now. */
export function confirmedOn(req: Request): { expect: string | null } {
  return { expect: expectedFingerprint(req.headers.get("if-match")) };
}
