"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { LogViewer } from "@/components/logs/LogViewer";
import { usePickableProcesses } from "@/components/logs/ProcessPicker";
import { ProcessCard } from "@/components/topology/ProcessCard";
import { useLiveTopology } from "@/components/topology/useLiveTopology";
import { useCanOperate } from "@/components/shell/PrincipalContext";
import { WorkerConfig } from "./WorkerConfig";
import { WorkerHistory } from "./WorkerHistory";
import { WorkerOverview } from "./WorkerOverview";

const tabs = [
  { id: "overview", label: "Overview" },
  { id: "logs", label: "Logs" },
  { id: "config", label: "Config" },
  { id: "history", label: "History" },
] as const;
type Tab = (typeof tabs)[number]["id"];

/** One worker: its card, then Overview (live stats), Logs (its log panel), Config (its YAML) and History; the tab is in the URL. */
export function WorkerPage({ name }: { name: string }) {
  const params = useSearchParams();
  const tab: Tab = tabs.find((t) => t.id === params.get("tab"))?.id ?? "overview";
  const canOperate = useCanOperate();
  const { data, error, isPending } = useLiveTopology();
  const process = data?.processes.find((p) => p.name === name);
  const processes = usePickableProcesses(data?.processes);
  const fixed = useMemo(() => [name], [name]);
  const base = `/workers/${encodeURIComponent(name)}`;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  return (
    <div className={`flex flex-col gap-4 p-6 ${tab === "logs" ? "h-screen" : ""}`}>
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-500">
        <Link href="/" className="hover:underline">
          Topology
        </Link>{" "}
        / <span className="font-mono">{name}</span>
      </nav>
      <h1 className="sr-only">{name}</h1>
      {error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          {error.message}
        </p>
      ) : null}
      {isPending ? <p className="text-xs text-zinc-500">Reading the topology…</p> : null}
      {data && !process ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          No process named <span className="font-mono">{name}</span> in this deployment. It may have been removed; see the{" "}
          <Link href="/" className="underline">
            topology
          </Link>{" "}
          or its history below.
        </p>
      ) : null}
      {process ? <ProcessCard process={process} now={now} canOperate={canOperate} linkName={false} /> : null}

      <div role="tablist" aria-label={`${name} views`} className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {tabs.map((t) => (
          <Link
            key={t.id}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            href={t.id === "overview" ? base : `${base}?tab=${t.id}`}
            replace
            scroll={false}
            className="-mb-px border-b-2 border-transparent px-3 py-1.5 text-xs font-medium text-zinc-600 hover:text-zinc-900 aria-selected:border-sky-600 aria-selected:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100 dark:aria-selected:text-zinc-100"
          >
            {t.label}
          </Link>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className={tab === "logs" ? "flex min-h-0 flex-1 flex-col" : ""}>
        {tab === "overview" ? process ? <WorkerOverview process={process} /> : null : null}
        {tab === "logs" ? <LogViewer processes={processes} fixedWorkers={fixed} /> : null}
        {tab === "config" ? process ? <WorkerConfig process={process} canOperate={canOperate} /> : null : null}
        {tab === "history" ? <WorkerHistory name={name} /> : null}
      </div>
    </div>
  );
}
