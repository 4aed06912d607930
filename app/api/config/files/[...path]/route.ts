import { FleetError } from "@/lib/errors";
import { apiRoute } from "@/lib/api/handler";
import { accepted, confirmedOn } from "@/lib/api/operation-responses";
import { revealRequestSchema, saveConfigRequestSchema } from "@/lib/contract/config";
import { parseConfigPath, readConfigFileView } from "@/lib/config/files";
import { fileAtVersion, fileVersions, revealSecret } from "@/lib/config/versions";
import { saveConfigFile } from "@/lib/operations";
import { configDir } from "@/lib/topology/config-files";

export const dynamic = "force-dynamic";

function requireDir(): string {
  const dir = configDir();
  if (!dir) throw new FleetError("unavailable", "SYNAPSE_CONFIG_DIR is not set: there is no config directory to show", { reason: "not_configured" });
  return dir;
}

/**
 * One config file, masked, with its version and findings (`workers/x.yaml` and `workers%2Fx.yaml`
 * alike); `…/versions` lists the versions history holds and `…/versions/{version}` opens one.
 */
export const GET = apiRoute<{ path: string[] }>("GET /api/config/files/{path}", async ({ params }) => {
  const segs = params.path;
  if (segs.length >= 2 && segs[segs.length - 1] === "versions") {
    const rel = segs.slice(0, -1).join("/");
    return { path: parseConfigPath(rel), versions: await fileVersions(rel) };
  }
  if (segs.length >= 3 && segs[segs.length - 2] === "versions") return fileAtVersion(segs.slice(0, -2).join("/"), segs[segs.length - 1]);
  return readConfigFileView(requireDir(), segs.join("/"));
});

/** Saves one config file: planned, validated, written and followed by the restarts it needs. */
export const PUT = apiRoute<{ path: string[] }>("PUT /api/config/files/{path}", async ({ req, params, body, principal, audit }) => {
  const rel = parseConfigPath(params.path.join("/"));
  const { content, baseVersion } = saveConfigRequestSchema.parse(body);
  audit.target = rel;
  const out = await saveConfigFile({ path: rel, content, baseVersion }, principal.name, confirmedOn(req));
  if ("unchanged" in out) {
    audit.detail = "unchanged";
    return out;
  }
  audit.detail = `operation ${out.operationId}`;
  return accepted(out);
});

/** `…/{path}/reveal {key}`: one secret's value, for an admin who asks; the audit names the key, never the value. */
export const POST = apiRoute<{ path: string[] }>("POST /api/config/files/{path}", async ({ params, body, audit }) => {
  const { key } = revealRequestSchema.parse(body);
  const segs = params.path;
  if (segs.length < 2 || segs[segs.length - 1] !== "reveal") throw new FleetError("not_found", "POST here is …/{path}/reveal");
  const rel = parseConfigPath(segs.slice(0, -1).join("/"));
  audit.target = rel;
  audit.detail = `reveal ${key.slice(0, 200)}`;
  return revealSecret(requireDir(), rel, key);
});
