"use client";

import { memo, useState } from "react";
import { ansiSegments, sliceSegments, stripAnsi, type AnsiSegment } from "@/lib/logs/parse";
import { ansiStyle, levelStyle, workerColor } from "./colors";
import type { LogEntry } from "./logStore";

/** Height of one text line of a record: rows are sized from it when lines do not wrap. */
export const LINE_HEIGHT = 18;

export function entryLineCount(e: LogEntry): number {
  return 1 + (e.more?.length ?? 0) + (e.moreDropped > 0 ? 1 : 0);
}

/** The record as plain text, the way it is copied and downloaded. */
export function entryPlainText(e: LogEntry): string {
  const lines = [`${e.ts} ${e.worker} ${stripAnsi(e.text)}`];
  for (const m of e.more ?? []) lines.push(stripAnsi(m));
  if (e.moreDropped) lines.push(`… ${e.moreDropped} more lines not kept`);
  return lines.join("\n");
}

function Coloured({ segments }: { segments: AnsiSegment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.color || s.bold ? (
          <span key={i} className={`${s.color ? ansiStyle[s.color] : ""} ${s.bold ? "font-semibold" : ""}`}>
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </>
  );
}

function Message({ e }: { e: LogEntry }) {
  if (!e.text.includes("\x1b")) return <>{e.parsed ? e.parsed.message : e.text}</>;
  const segs = ansiSegments(e.text);
  if (!e.parsed) return <Coloured segments={segs} />;
  const plain = segs.map((s) => s.text).join("");
  return <Coloured segments={sliceSegments(segs, plain.length - e.parsed.message.length)} />;
}

function CopyButton({ e }: { e: LogEntry }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label="Copy line"
      title="Copy line"
      onClick={() => {
        void navigator.clipboard?.writeText(entryPlainText(e)).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
      className="sticky right-1 ml-2 shrink-0 rounded border border-zinc-300 bg-white px-1 font-sans text-[10px] leading-4 text-zinc-600 opacity-0 group-hover:opacity-100 focus:opacity-100 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300"
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** One record: time, worker, level, request id, logger, message; its stack trace under it. */
export const LogRow = memo(function LogRow({
  entry: e,
  wrap,
  rowIndex,
  onRequest,
}: {
  entry: LogEntry;
  /** Changes when continuation lines join the record (it is mutated in place). */
  lines: number;
  wrap: boolean;
  rowIndex: number;
  onRequest: (id: string) => void;
}) {
  const color = workerColor(e.worker);
  const p = e.parsed;
  const ws = wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre";
  if (e.kind === "status") {
    return (
      <div role="row" aria-rowindex={rowIndex} data-worker={e.worker} data-ts={e.ts} data-kind="status" className={`flex border-l-2 ${color.edge} bg-zinc-100 pl-2 italic text-zinc-600 dark:bg-zinc-800/60 dark:text-zinc-300`}>
        <span role="cell" className="w-[6.5rem] shrink-0 text-zinc-400">{e.ts.slice(11, 23)}</span>
        <span role="cell" className={`mr-2 shrink-0 font-semibold not-italic ${color.text}`}>{e.worker}</span>
        <span role="cell">— {e.text.slice(e.worker.length + 1)} —</span>
      </div>
    );
  }
  return (
    <div role="row" aria-rowindex={rowIndex} data-worker={e.worker} data-ts={e.ts} data-level={p?.level ?? ""} data-request={p?.request ?? ""} className={`group flex border-l-2 ${color.edge} pl-2 hover:bg-zinc-100 dark:hover:bg-zinc-800/60`}>
      <span role="cell" className="w-[6.5rem] shrink-0 text-zinc-400 dark:text-zinc-500" title={e.ts}>
        {e.ts.slice(11, 23)}
      </span>
      <span role="cell" className={`mr-2 w-32 shrink-0 truncate font-medium ${color.text}`} title={e.worker}>
        {e.worker}
      </span>
      <span role="cell" className="w-[4.5rem] shrink-0">
        {p ? <span className={`rounded-sm px-1 text-[10px] font-semibold ${levelStyle[p.level]}`}>{p.level}</span> : null}
      </span>
      <div role="cell" className={`min-w-0 flex-1 ${wrap ? "" : "w-max"}`}>
        <div className="flex">
          <span className={`${ws} ${wrap ? "min-w-0 flex-1" : ""}`}>
            {p?.request ? (
              <button
                type="button"
                onClick={() => onRequest(p.request!)}
                aria-label={`Show only request ${p.request}`}
                title="Show only this request, across workers"
                className="mr-2 rounded-sm text-sky-700 underline-offset-2 hover:bg-sky-50 hover:underline dark:text-sky-400 dark:hover:bg-sky-950"
              >
                {p.request}
              </button>
            ) : null}
            {p ? <span className="mr-2 text-zinc-400 dark:text-zinc-500">{p.logger}</span> : null}
            <span className={p && p.level !== "DEBUG" && p.level !== "INFO" ? "text-zinc-900 dark:text-zinc-50" : ""}>
              <Message e={e} />
            </span>
          </span>
          <CopyButton e={e} />
        </div>
        {e.more ? (
          <div className={`${ws} text-zinc-600 dark:text-zinc-400`} aria-label="Continuation lines">
            {e.more.map((m, i) => (
              <div key={i}>{m.includes("\x1b") ? <Coloured segments={ansiSegments(m)} /> : m || " "}</div>
            ))}
            {e.moreDropped ? <div className="italic text-zinc-400">… {e.moreDropped} more lines not kept</div> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
});
