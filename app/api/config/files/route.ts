import { FleetError } from "@/lib/errors";
import { apiRoute } from "@/lib/api/handler";
import { listConfigFiles } from "@/lib/config/files";
import { configDir } from "@/lib/topology/config-files";

export const dynamic = "force-dynamic";

/** The files the config editor may show, each with the version a save must name. */
export const GET = apiRoute("GET /api/config/files", async () => {
  const dir = configDir();
  if (!dir) throw new FleetError("unavailable", "SYNAPSE_CONFIG_DIR is not set: there is no config directory to show", { reason: "not_configured" });
  return { files: await listConfigFiles(dir) };
});
