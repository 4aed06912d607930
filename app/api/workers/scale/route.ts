import { apiRoute, readJson } from "@/lib/api/handler";
import { accepted, withOperationErrors } from "@/lib/api/operation-errors";
import { scaleRequestSchema } from "@/lib/api/schemas/operations";
import { startOperation } from "@/lib/operations";
import type { Intent } from "@/lib/synapse/plan-schema";

export const dynamic = "force-dynamic";

/** Sets how many workers of one kind run, or applies one of the guide's sizing presets. */
export const PUT = apiRoute("operator", async ({ req, principal }) => {
  const body = scaleRequestSchema.parse(await readJson(req));
  const intent: Intent = "preset" in body ? { kind: "preset", preset: body.preset } : { kind: "scale", type: body.type, count: body.count };
  return accepted(await withOperationErrors(() => startOperation(intent, principal.name)));
});
