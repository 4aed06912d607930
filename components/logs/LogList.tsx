"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import { LINE_HEIGHT, LogRow, entryLineCount } from "./LogRow";
import { LOG_CAPACITY, type LogStore } from "./logStore";

/** Measured sizes are kept per record; past this many the cache is dropped (memory stays flat). */
const MAX_MEASURED = 5_000;
const OVERSCAN_ROWS = 12;

interface RowsProps {
  store: LogStore;
  wrap: boolean;
  following: boolean;
  onRequest: (id: string) => void;
  scrollRef: RefObject<HTMLDivElement | null>;
}

/** Scroll position and viewport height, updated at most once per animation frame. */
function useViewport(scrollRef: RefObject<HTMLDivElement | null>): { top: number; height: number } {
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    let raf = 0;
    const read = () => {
      raf = 0;
      setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
    };
    const onScroll = () => {
      if (!raf) raf = requestAnimationFrame(read);
    };
    read();
    el.addEventListener("scroll", onScroll, { passive: true });
    const ro = new ResizeObserver(onScroll);
    ro.observe(el);
    return () => {
      el.removeEventListener("scroll", onScroll);
      ro.disconnect();
      if (raf) cancelAnimationFrame(raf);
    };
  }, [scrollRef]);
  return view;
}

/**
 * Rows of known height (no wrapping): each render fills a preallocated array of line offsets —
 * a plain loop, no objects — and finds the visible rows by binary search. The cost per frame stays
 * a small constant per record however fast lines arrive, where a measuring virtualizer would
 * rebuild a measurement object for every one of the 100,000 records on each new line.
 */
function FixedRows({ store, wrap, following, onRequest, scrollRef }: RowsProps) {
  const offsets = useRef(new Float64Array(LOG_CAPACITY + 1));
  const view = useViewport(scrollRef);
  const count = store.length;
  const off = offsets.current;
  off[0] = 0;
  for (let i = 0; i < count; i++) off[i + 1] = off[i] + entryLineCount(store.at(i));
  // While following, the view is the end: computed here, so no second render waits for the scroll event.
  const top = following ? Math.max(0, off[count] * LINE_HEIGHT - view.height) : view.top;
  const firstLine = Math.floor(top / LINE_HEIGHT);
  const lastLine = Math.ceil((top + view.height) / LINE_HEIGHT);
  // The first record whose lines reach past firstLine.
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (off[mid + 1] <= firstLine) lo = mid + 1;
    else hi = mid;
  }
  const from = Math.max(0, lo - OVERSCAN_ROWS);
  let to = lo;
  while (to < count && off[to] < lastLine) to++;
  to = Math.min(count, to + OVERSCAN_ROWS);
  const rows = [];
  for (let i = from; i < to; i++) {
    const e = store.at(i);
    const lines = off[i + 1] - off[i];
    rows.push(
      <div key={e.seq} data-index={i} style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${off[i] * LINE_HEIGHT}px)`, height: lines * LINE_HEIGHT, overflow: "hidden", contain: "strict" }}>
        <LogRow entry={e} lines={lines} wrap={wrap} rowIndex={i + 1} onRequest={onRequest} />
      </div>,
    );
  }
  return (
    <div role="rowgroup" style={{ height: off[count] * LINE_HEIGHT, position: "relative", width: "100%" }}>
      {rows}
    </div>
  );
}

/** Wrapped rows have heights only the browser knows: measured by the virtualizer. */
function MeasuredRows({ store, wrap, onRequest, scrollRef }: RowsProps) {
  const count = store.length;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => entryLineCount(store.at(i)) * LINE_HEIGHT,
    getItemKey: (i) => store.at(i).seq,
    overscan: OVERSCAN_ROWS,
  });
  useLayoutEffect(() => {
    if (virtualizer.itemSizeCache.size > MAX_MEASURED) virtualizer.measure();
  });
  return (
    <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: "relative", width: "100%" }}>
      {virtualizer.getVirtualItems().map((item) => {
        const e = store.at(item.index);
        if (!e) return null;
        return (
          <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start}px)` }}>
            <LogRow entry={e} lines={entryLineCount(e)} wrap={wrap} rowIndex={item.index + 1} onRequest={onRequest} />
          </div>
        );
      })}
    </div>
  );
}

/** The window of records: only the rows in view (plus a few) are in the DOM. */
export function LogList({
  store,
  version,
  wrap,
  following,
  onRequest,
  onScrollBack,
}: {
  store: LogStore;
  /** Bumped by the store at most once per frame; re-renders the visible rows. */
  version: number;
  wrap: boolean;
  following: boolean;
  onRequest: (id: string) => void;
  /** The operator scrolled up: stop following so the view holds still. */
  onScrollBack: () => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = store.length;

  // Stick to the end while following; runs after each frame's render, before paint.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [version, following, count, wrap]);

  const scrolledBack = useCallback(() => {
    const el = scrollRef.current;
    if (el && following && el.scrollTop + el.clientHeight < el.scrollHeight - LINE_HEIGHT * 2) onScrollBack();
  }, [following, onScrollBack]);

  const Rows = wrap ? MeasuredRows : FixedRows;
  return (
    <div
      ref={scrollRef}
      role="table"
      aria-label="Log lines"
      aria-rowcount={count}
      tabIndex={0}
      onWheel={(ev) => {
        if (ev.deltaY < 0) requestAnimationFrame(scrolledBack);
      }}
      onKeyDown={(ev) => {
        if (["ArrowUp", "PageUp", "Home"].includes(ev.key)) requestAnimationFrame(scrolledBack);
      }}
      onPointerUp={() => scrolledBack()}
      className="relative min-h-0 flex-1 overflow-auto bg-white font-mono text-[12px] leading-[18px] text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
    >
      <Rows store={store} wrap={wrap} following={following} onRequest={onRequest} scrollRef={scrollRef} />
    </div>
  );
}
