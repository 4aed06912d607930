import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { scaleRequestSchema } from "@/lib/contract/operations";
import { startOperation } from "@/lib/operations";
import type { Intent } from "@/lib/synapse/plan-schema";

export const dynamic = "force-dynamic";

/** Sets how many workers of one kind run, or applies one of the guide's sizing presets. */
export const PUT = apiRoute("PUT /api/workers/scale", async ({ req, body, principal, audit }) => {
  const request = scaleRequestSchema.parse(body);
  audit.detail = "preset" in request ? `preset ${request.preset}` : `${request.type} × ${request.count}`;
  const placement = request.placement ? { placement: request.placement } : {};
  const intent: Intent = "preset" in request ? { kind: "preset", preset: request.preset, ...placement } : { kind: "scale", type: request.type, count: request.count, ...placement };
  return accepted(await startOperation(intent, principal.name, confirmedOn(req)));
});
