"use client";

import Link from "next/link";
import type { ConfigFileEntry } from "./api";
import { configHref } from "./links";

const groups: Array<{ kind: ConfigFileEntry["kind"]; title: string }> = [
  { kind: "homeserver", title: "Homeserver" },
  { kind: "worker", title: "Workers" },
  { kind: "log_config", title: "Log configs" },
  { kind: "targets", title: "Prometheus targets" },
];

/** The config directory as the operator thinks of it: homeserver.yaml, each worker's file, log configs, targets. */
export function FileTree({ files, selected }: { files: ConfigFileEntry[]; selected: string }) {
  return (
    <nav aria-label="Config files" className="flex flex-col gap-3 text-xs">
      {groups.map((g) => {
        const inGroup = files.filter((f) => f.kind === g.kind).sort((a, b) => (a.worker ?? a.path).localeCompare(b.worker ?? b.path));
        if (inGroup.length === 0) return null;
        return (
          <section key={g.kind} aria-label={g.title} className="flex flex-col gap-0.5">
            <h2 className="px-2 text-[11px] font-semibold uppercase tracking-wide text-zinc-500">{g.title}</h2>
            <ul className="flex flex-col gap-0.5">
              {inGroup.map((f) => (
                <li key={f.path}>
                  <Link
                    href={configHref(f.path)}
                    aria-current={f.path === selected ? "page" : undefined}
                    title={f.path}
                    className="flex items-baseline gap-2 rounded-md px-2 py-1 text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-sky-50 aria-[current=page]:text-sky-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-sky-950 dark:aria-[current=page]:text-sky-100"
                  >
                    <span className="min-w-0 flex-1 truncate font-mono">{g.kind === "worker" ? f.worker ?? f.path : f.path}</span>
                    {f.editable ? null : (
                      <span className="text-[10px] text-zinc-500" aria-label="read-only">
                        ro
                      </span>
                    )}
                    <span className="font-mono text-[10px] text-zinc-400" aria-label={`version ${f.version.slice(0, 7)}`}>
                      {f.version.slice(0, 7)}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </nav>
  );
}
