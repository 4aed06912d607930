import { apiRoute } from "@/lib/api/handler";
import { previewed } from "@/lib/api/operation-responses";
import { planConfigRequestSchema } from "@/lib/contract/config";
import { parseConfigPath } from "@/lib/config/files";
import { previewConfigSave } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** What saving one config file would change and restart, and why; nothing is applied. */
export const POST = apiRoute("POST /api/config/plan", async ({ body }) => {
  const { path, content, baseVersion } = planConfigRequestSchema.parse(body);
  return previewed(await previewConfigSave({ path: parseConfigPath(path), content, baseVersion }));
});
