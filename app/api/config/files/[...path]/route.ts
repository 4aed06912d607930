import { ApiError } from "@/lib/api/errors";
import { apiRoute } from "@/lib/api/handler";
import { accepted, withOperationErrors } from "@/lib/api/operation-errors";
import { saveConfigRequestSchema } from "@/lib/api/schemas/config";
import { parseConfigPath, readConfigFileView } from "@/lib/config/files";
import { saveConfigFile } from "@/lib/operations";
import { configDir } from "@/lib/topology/config-files";

export const dynamic = "force-dynamic";

/** One config file, masked, with its version and findings; `workers/x.yaml` and `workers%2Fx.yaml` alike. */
export const GET = apiRoute<{ path: string[] }>("GET /api/config/files/{path}", async ({ params }) => {
  const dir = configDir();
  if (!dir) throw new ApiError("unavailable", "SYNAPSE_CONFIG_DIR is not set: there is no config directory to show", { reason: "not_configured" });
  return readConfigFileView(dir, params.path.join("/"));
});

/** Saves one config file: planned, validated, written and followed by the restarts it needs. */
export const PUT = apiRoute<{ path: string[] }>("PUT /api/config/files/{path}", async ({ params, body, principal, audit }) => {
  const rel = parseConfigPath(params.path.join("/"));
  const { content, baseVersion } = saveConfigRequestSchema.parse(body);
  audit.target = rel;
  const out = await withOperationErrors(() => saveConfigFile({ path: rel, content, baseVersion }, principal.name));
  if ("unchanged" in out) {
    audit.detail = "unchanged";
    return out;
  }
  audit.detail = `operation ${out.operationId}`;
  return accepted(out);
});
