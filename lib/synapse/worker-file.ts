import { Document, isMap, isScalar, isSeq, type YAMLSeq } from "yaml";
import { workerCatalogue, type WorkerKind } from "./catalogue";

/** Writes a worker's own config file (workers/<name>.yaml) the way the lab's files look. */

export interface WorkerPorts {
  http: number | null;
  replication: number | null;
  metrics: number;
}

export interface WorkerFileInput {
  name: string;
  kind: WorkerKind;
  ports: WorkerPorts;
  logConfig: string | null;
  bindAddresses: string[];
}

export function workerFilePath(name: string): string {
  return `workers/${name}.yaml`;
}

/** Does a worker of this kind need an http `replication` listener (it writes a stream)? */
export function needsReplicationListener(kind: WorkerKind): boolean {
  return workerCatalogue[kind].streams.length > 0;
}

function listener(type: "http" | "metrics", port: number, bind: string[], names?: string[]): Record<string, unknown> {
  const l: Record<string, unknown> = { type, port, bind_addresses: [...bind] };
  if (names) {
    if (!names.includes("replication")) l.x_forwarded = true;
    l.resources = [{ names }];
  }
  return l;
}

/** `['0.0.0.0']`, as Synapse's sample config writes addresses. */
export function quoteFlow(seq: YAMLSeq): void {
  seq.flow = true;
  for (const item of seq.items) if (isScalar(item) && typeof item.value === "string") item.type = "QUOTE_SINGLE";
}

export function renderWorkerFile(input: WorkerFileInput): string {
  const spec = workerCatalogue[input.kind];
  const listeners: Record<string, unknown>[] = [];
  if (input.ports.http !== null && spec.resources.length > 0) listeners.push(listener("http", input.ports.http, input.bindAddresses, spec.resources));
  if (input.ports.replication !== null) listeners.push(listener("http", input.ports.replication, input.bindAddresses, ["replication"]));
  listeners.push(listener("metrics", input.ports.metrics, input.bindAddresses));

  const body: Record<string, unknown> = {
    worker_app: "synapse.app.generic_worker",
    worker_name: input.name,
  };
  if (input.logConfig) body.worker_log_config = input.logConfig;
  Object.assign(body, spec.workerFileExtra ?? {});
  body.worker_listeners = listeners;

  const doc = new Document(body);
  doc.commentBefore = ` ${spec.label} (written by Synapse Fleet): ${spec.purpose}`;
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String((pair.key as { value?: unknown }).value ?? pair.key);
      if (key === "worker_listeners" || (spec.workerFileExtra && key in spec.workerFileExtra)) {
        (pair.key as { spaceBefore?: boolean }).spaceBefore = true;
      }
    }
  }
  // Short lists in flow style, as Synapse's docs write them: names: [client, federation].
  const listenerSeq = doc.getIn(["worker_listeners"]);
  if (isSeq(listenerSeq)) {
    for (const l of listenerSeq.items) {
      if (!isMap(l)) continue;
      const bind = l.get("bind_addresses", true);
      if (isSeq(bind)) quoteFlow(bind);
      const resources = l.get("resources", true);
      if (isSeq(resources)) for (const r of resources.items) if (isMap(r)) {
        const names = r.get("names", true);
        if (isSeq(names)) names.flow = true;
      }
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
