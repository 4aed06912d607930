import { ApiError } from "@/lib/api/errors";
import { apiRoute } from "@/lib/api/handler";
import { readConfigFileView } from "@/lib/config/files";
import { configDir } from "@/lib/topology/config-files";

export const dynamic = "force-dynamic";

/** One config file, masked, with its version and findings; `workers/x.yaml` and `workers%2Fx.yaml` alike. */
export const GET = apiRoute<{ path: string[] }>("GET /api/config/files/{path}", async ({ params }) => {
  const dir = configDir();
  if (!dir) throw new ApiError("unavailable", "SYNAPSE_CONFIG_DIR is not set: there is no config directory to show", { reason: "not_configured" });
  return readConfigFileView(dir, params.path.join("/"));
});
