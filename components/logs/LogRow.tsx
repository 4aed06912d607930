"use client";

import { memo } from "react";
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
  const lines = [`${e.ts} ${e.worker}${e.node ? `@${e.node}` : ""} ${stripAnsi(e.text)}`];
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

function Continuation({ e }: { e: LogEntry }) {
  if (!e.more) return null;
  const plain = !e.more.some((m) => m.includes("\x1b"));
  return (
    <span className="text-zinc-600 dark:text-zinc-400" aria-label="Continuation lines">
      {plain
        ? `\n${e.more.join("\n")}`
        : e.more.map((m, i) => (
            <span key={i}>
              {"\n"}
              <Coloured segments={ansiSegments(m)} />
            </span>
          ))}
      {e.moreDropped ? <span className="italic text-zinc-400">{`\n… ${e.moreDropped} more lines not kept`}</span> : null}
    </span>
  );
}

/** Column widths in characters of the monospace font: time, worker, (Swarm node,) level; the message starts after them. */
const TIME_CH = 14;
const WORKER_CH = 17;
const NODE_CH = 8;
const LEVEL_CH = 10;
const LEAD_CH = TIME_CH + WORKER_CH + LEVEL_CH;

/** Text cut or padded to exactly `n` characters (the last one a space, or an ellipsis when cut). */
function column(text: string, n: number): string {
  return text.length < n ? text.padEnd(n) : `${text.slice(0, n - 2)}… `;
}

/**
 * One record: time, worker, level, request id, logger, message, and its stack trace under it.
 * One run of monospace text: the columns are characters wide (padded), not boxes, and a hanging
 * indent puts continuation and wrapped lines under the message. Every visible row is laid out
 * again on each render while lines stream in, so a row is a handful of inline spans.
 */
export const LogRow = memo(function LogRow({
  entry: e,
  lines,
  top,
  wrap,
  rowIndex,
  copied,
  onRequest,
  onCopy,
}: {
  entry: LogEntry;
  /** Text lines the row spans; changes when continuation lines join the record (it is mutated in place). */
  lines: number;
  /** Where the row sits in the list, in px; null when the list places it (measured rows). */
  top: number | null;
  wrap: boolean;
  rowIndex: number;
  /** The operator just copied this record. */
  copied: boolean;
  onRequest: (id: string) => void;
  onCopy: (e: LogEntry) => void;
}) {
  const color = workerColor(e.worker);
  const p = e.parsed;
  // Rows of known height are placed by the list and kept apart from the rest of the page's layout.
  const style = top === null ? undefined : { transform: `translateY(${top}px)`, height: lines * LINE_HEIGHT, contain: "strict" as const };
  const frame = `${top === null ? "relative" : "absolute inset-x-0 top-0 overflow-hidden"} ${wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre"} border-l-2 ${color.edge}`;
  // On a swarm every line and status carries its node, so rows of one view share one indent.
  const lead = LEAD_CH + (e.node ? NODE_CH : 0);
  const indent = { paddingLeft: `calc(${lead}ch + 0.5rem)`, textIndent: `-${lead}ch` };
  const time = (
    <span role="cell" className="text-zinc-400 dark:text-zinc-500" title={e.ts}>
      {column(e.ts.slice(11, 23), TIME_CH)}
    </span>
  );
  const worker = (
    <>
      <span role="cell" className={color.text} title={e.worker}>
        {column(e.worker, WORKER_CH)}
      </span>
      {e.node ? (
        <span role="cell" data-node={e.node} className="text-zinc-500 dark:text-zinc-400" title={`on Swarm node ${e.node}`}>
          {column(e.node, NODE_CH)}
        </span>
      ) : null}
    </>
  );
  if (e.kind === "status") {
    return (
      <div role="row" aria-rowindex={rowIndex} data-worker={e.worker} data-ts={e.ts} data-kind="status" style={{ ...style, ...indent }} className={`${frame} bg-zinc-100 italic text-zinc-600 dark:bg-zinc-800/60 dark:text-zinc-300`}>
        {time}
        {worker}
        {" ".repeat(LEVEL_CH)}
        <span role="cell">— {e.text.slice(e.worker.length + 1)} —</span>
      </div>
    );
  }
  return (
    <div role="row" aria-rowindex={rowIndex} data-worker={e.worker} data-ts={e.ts} data-level={p?.level ?? ""} data-request={p?.request ?? ""} style={{ ...style, ...indent }} className={`${frame} group hover:bg-zinc-100 dark:hover:bg-zinc-800/60`}>
      {time}
      {worker}
      <span role="cell">
        {/* The badge's padding is taken back by its margins: the columns stay characters wide. */}
        {p ? <span className={`-mx-[0.5ch] rounded-sm px-[0.5ch] font-semibold ${levelStyle[p.level]}`}>{p.level}</span> : null}
        {" ".repeat(LEVEL_CH - (p?.level.length ?? 0))}
      </span>
      <span role="cell" className={p && p.level !== "DEBUG" && p.level !== "INFO" ? "text-zinc-900 dark:text-zinc-50" : undefined}>
        {p?.request ? (
          // An inline span, not a <button> (an atomic box to lay out in almost every row), acting as one.
          <span
            role="button"
            tabIndex={0}
            onClick={() => onRequest(p.request!)}
            onKeyDown={(ev) => {
              if (ev.key !== "Enter" && ev.key !== " ") return;
              ev.preventDefault();
              onRequest(p.request!);
            }}
            aria-label={`Show only request ${p.request}`}
            title="Show only this request, across workers"
            className="cursor-pointer rounded-sm text-sky-700 underline-offset-2 hover:bg-sky-50 hover:underline focus-visible:outline focus-visible:outline-sky-500 dark:text-sky-400 dark:hover:bg-sky-950"
          >
            {p.request}
          </span>
        ) : null}
        {p?.request ? " " : null}
        {p ? <span className="text-zinc-400 dark:text-zinc-500">{p.logger} </span> : null}
        <Message e={e} />
        <Continuation e={e} />
      </span>
      <button
        type="button"
        aria-label="Copy line"
        title="Copy line"
        onClick={() => onCopy(e)}
        // Out of the layout until the row is hovered or focused: most rows never show it.
        className={`absolute right-1 top-0 indent-0 rounded border border-zinc-300 bg-white px-1 font-sans text-[10px] leading-4 text-zinc-600 group-hover:block group-focus-within:block dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300 ${copied ? "block" : "hidden"}`}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
});
