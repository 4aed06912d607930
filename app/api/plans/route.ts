import { apiRoute } from "@/lib/api/handler";
import { previewed } from "@/lib/api/operation-responses";
import { planRequestSchema } from "@/lib/contract/operations";
import { previewPlan } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** What an intent would change (files, container steps, restarts); nothing is applied. ETag: the plan to confirm. */
export const POST = apiRoute("POST /api/plans", async ({ body }) => {
  const { intent } = planRequestSchema.parse(body);
  return previewed(await previewPlan(intent));
});
