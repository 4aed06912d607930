import { apiRoute, readJson } from "@/lib/api/handler";
import { withOperationErrors } from "@/lib/api/operation-errors";
import { planRequestSchema } from "@/lib/api/schemas/operations";
import { previewPlan } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** What an intent would change (files, container steps, restarts); nothing is applied. */
export const POST = apiRoute("operator", async ({ req }) => {
  const { intent } = planRequestSchema.parse(await readJson(req));
  return withOperationErrors(() => previewPlan(intent));
});
