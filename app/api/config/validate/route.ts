import { apiRoute } from "@/lib/api/handler";
import { validateConfigRequestSchema } from "@/lib/contract/config";
import { parseConfigPath } from "@/lib/config/files";
import { validateDeployment } from "@/lib/synapse/rules";

export const dynamic = "force-dynamic";

/** Findings for a set of config files, exactly as the editor computes them in the browser. */
export const POST = apiRoute("POST /api/config/validate", async ({ body }) => {
  const { files } = validateConfigRequestSchema.parse(body);
  const checked = Object.fromEntries(Object.entries(files).map(([p, text]) => [parseConfigPath(p), text]));
  return { findings: validateDeployment(checked) };
});
