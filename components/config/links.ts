import type { SynapseProcess } from "@/lib/contract/topology";

/** The Config screen with one file open: a deep link (`/config?file=workers/x.yaml`). */
export const configHref = (path: string) => `/config?file=${encodeURIComponent(path).replace(/%2F/g, "/")}`;

/** The file a process is configured by: a worker's own file, homeserver.yaml for main. */
export function configFileOf(p: Pick<SynapseProcess, "type" | "configFile">): string | null {
  return p.type === "main" ? "homeserver.yaml" : p.configFile;
}
