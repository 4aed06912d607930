import { workerCatalogue } from "@/lib/synapse/catalogue";
import { kindOf, networkAlias } from "@/lib/synapse/deployment";
import { lowestFreeIndex, MAIN_JOB, nameIndex } from "@/lib/synapse/prometheus-targets";
import type { WorkerType } from "@/lib/synapse/types";
import { running, type Check, type CheckOutcome, type ProcessFacts, type ScrapeTargetFacts } from "./model";
import { need } from "./prometheus";

/**
 * Every running Synapse process with a metrics listener is scraped (`up == 1`) and labelled the way
 * the stock Grafana dashboard tells processes apart: job, index, plus the worker name this dashboard
 * keys on. The fix is the file_sd entry to put in prometheus/synapse-targets.json.
 */

/** The labels a process's target should carry: main job "synapse" index "1"; a worker its kind's name prefix and number. */
export function expectedLabels(p: Pick<ProcessFacts, "name" | "type" | "streams">, usedIndexes: ReadonlySet<string> = new Set()): { job: string; index: string; worker: string } {
  if (p.type === "main") return { job: MAIN_JOB, index: "1", worker: "main" };
  const kind = kindOf(p.name, p.type as WorkerType, p.streams);
  const job = kind ? workerCatalogue[kind].namePrefix : p.type;
  // The plans' rule (prometheus-targets.ts): a <job><n> name gives its index, any other the lowest free one.
  const n = nameIndex(p.name, job);
  return { job, index: n > 0 ? String(n) : lowestFreeIndex((i) => usedIndexes.has(`${job}/${i}`)), worker: p.name };
}

function targetHost(p: ProcessFacts, t: ScrapeTargetFacts | undefined): string {
  if (t) {
    try {
      return new URL(t.scrapeUrl).hostname;
    } catch {
      /* fall through to the container's name on the network */
    }
  }
  return p.unit?.labels["com.docker.compose.service"] ?? networkAlias(p.name);
}

export function fileSdEntry(host: string, port: number, labels: Record<string, string>): string {
  return JSON.stringify({ targets: [`${host}:${port}`], labels });
}

export const scrapeCheck: Check = {
  id: "scrape",
  title: "Prometheus scraping",
  async run(ctx): Promise<CheckOutcome> {
    const scraped = running(ctx).flatMap((p) => {
      const m = p.listeners.find((l) => l.type === "metrics");
      return m ? [{ p, port: m.port }] : [];
    });
    if (scraped.length === 0) {
      return { status: "warn", evidence: ["no running Synapse process has a metrics listener: there is nothing to scrape"], fix: "Add a `type: metrics` listener to each process and set enable_metrics: true in homeserver.yaml." };
    }
    const targets = await need(() => ctx.prometheus.scrapeTargets({ signal: ctx.signal }));
    const used = new Set(targets.filter((t) => t.labels.job && t.labels.index).map((t) => `${t.labels.job}/${t.labels.index}`));
    const evidence: string[] = [];
    const entries: string[] = [];
    let status: CheckOutcome["status"] = "pass";
    let first: string | undefined;
    const flag = (s: "warn" | "fail", name: string) => {
      if (s === "fail" || status === "pass") status = s;
      first ??= name;
    };
    for (const { p, port } of scraped) {
      const t = targets.find((x) => x.labels.worker === p.name);
      // A numberless worker keeps the index its own target has; only the others' are taken.
      const own = t?.labels.job && t.labels.index ? `${t.labels.job}/${t.labels.index}` : null;
      const want = expectedLabels(p, new Set([...used].filter((k) => k !== own)));
      const entry = fileSdEntry(targetHost(p, t), port, want);
      if (!t) {
        flag("fail", p.name);
        evidence.push(`${p.name}: no scrape target has worker="${p.name}": Prometheus does not scrape its metrics listener on port ${port}`);
        entries.push(entry);
        continue;
      }
      if (t.health !== "up") {
        flag("fail", p.name);
        evidence.push(`${p.name}: up == 0 at ${t.scrapeUrl}${t.lastError ? `: ${t.lastError}` : ""}`);
        if (!t.scrapeUrl.includes(`:${port}/`)) entries.push(entry);
        continue;
      }
      const wrong = (["job", "index"] as const).filter((k) => t.labels[k] !== want[k]);
      if (wrong.length > 0) {
        flag("warn", p.name);
        evidence.push(`${p.name}: up == 1, but ${wrong.map((k) => (t.labels[k] === undefined ? `no ${k} label` : `${k}="${t.labels[k]}"`)).join(" and ")} (the stock dashboard expects job="${want.job}", index="${want.index}")`);
        entries.push(entry);
        continue;
      }
      evidence.push(`${p.name}: up == 1, job="${want.job}", index="${want.index}"`);
    }
    if (status === "pass") return { status, evidence, fix: null };
    return {
      status,
      evidence,
      fix: `Put these groups in prometheus/synapse-targets.json (file_sd, re-read by Prometheus within its refresh interval): ${entries.join(" , ")}${status === "fail" ? "; a target that is down: check that the metrics listener's port is reachable from Prometheus." : ""}`,
      ...(first ? { process: first } : {}),
    };
  },
};
