"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { AuditEntry } from "@/lib/contract/admin";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { formatWhen } from "@/components/ui/format";
import { auditKey, fetchAudit } from "./api";
import { ErrorNote } from "./SecretOnce";
import { cellClass, headCellClass, panelClass, tableClass } from "./styles";

const PAGE = 50;

function StatusBadge({ status }: { status: number }) {
  if (status === 0) return <Badge tone="sky">CLI</Badge>;
  return <Badge tone={status < 300 ? "emerald" : status < 500 ? "amber" : "rose"}>{status}</Badge>;
}

function Row({ e, now }: { e: AuditEntry; now: number }) {
  return (
    <tr data-testid="audit-entry">
      <td className={`${cellClass} whitespace-nowrap text-zinc-500`}>
        <time dateTime={e.at} title={new Date(e.at).toLocaleString()}>
          {formatWhen(e.at, now)}
        </time>
      </td>
      <td className={cellClass}>
        <span className="font-medium">{e.actor}</span> <span className="text-zinc-500">({e.actorKind})</span>
      </td>
      <td className={`${cellClass} font-mono`}>{e.action}</td>
      <td className={cellClass}>
        {e.target ?? <span className="text-zinc-400">—</span>}
        {e.detail ? <span className="block text-zinc-500">{e.detail}</span> : null}
      </td>
      <td className={cellClass}>
        <StatusBadge status={e.status} />
      </td>
      <td className={`${cellClass} font-mono text-zinc-500`}>{e.ip ?? "—"}</td>
    </tr>
  );
}

/** The audit log, newest first, a page at a time (each page continues after the last entry). */
export function AuditPanel() {
  const q = useInfiniteQuery({
    queryKey: auditKey,
    queryFn: ({ pageParam }) => fetchAudit({ limit: PAGE, before: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.length < PAGE ? undefined : last[last.length - 1]?.id),
    staleTime: 0,
  });
  const entries = q.data?.pages.flat() ?? [];
  const now = q.dataUpdatedAt || 0;
  return (
    <div className={panelClass}>
      <ErrorNote error={q.error} />
      {q.isPending ? <p className="text-xs text-zinc-500">Reading the audit log…</p> : null}
      {q.isSuccess && entries.length === 0 ? <p className="text-xs text-zinc-500">Nothing audited yet.</p> : null}
      {entries.length > 0 ? (
        <table className={tableClass} aria-label="Audit log">
          <thead>
            <tr>
              {["When", "Who", "What", "Target", "Status", "From"].map((h) => (
                <th key={h} className={headCellClass}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <Row key={e.id} e={e} now={now} />
            ))}
          </tbody>
        </table>
      ) : null}
      {q.hasNextPage ? (
        <Button className="self-start" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? "Loading…" : "Older entries"}
        </Button>
      ) : null}
    </div>
  );
}
