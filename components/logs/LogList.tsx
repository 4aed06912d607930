"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type ReactNode, type RefObject } from "react";
import { LINE_HEIGHT, LogRow, entryLineCount, entryPlainText } from "./LogRow";
import type { LogEntry, LogStore } from "./logStore";

/** Measured sizes are kept per record; past this many the cache is dropped (memory stays flat). */
const MAX_MEASURED = 5_000;
const OVERSCAN_ROWS = 12;
/** How far from the end (px) the operator must scroll before following stops. */
const SCROLL_BACK_PX = LINE_HEIGHT * 2;

interface ListProps {
  store: LogStore;
  /** Bumped by the store when it has news (at most once per frame); re-renders the visible rows. */
  version: number;
  following: boolean;
  onRequest: (id: string) => void;
  /** The operator scrolled up: stop following so the view holds still. */
  onScrollBack: () => void;
}

/** Copying a record to the clipboard, with a moment of "Copied" on its row. */
function useCopy(): [number | null, (e: LogEntry) => void] {
  const [copied, setCopied] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const copy = useCallback((e: LogEntry) => {
    void navigator.clipboard?.writeText(entryPlainText(e)).then(() => {
      setCopied(e.seq);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(null), 1200);
    });
  }, []);
  return [copied, copy];
}

/** The scroll container, shared by both kinds of list. */
function Scroller({ scrollRef, count, reverse, onScrolledBack, children }: { scrollRef: RefObject<HTMLDivElement | null>; count: number; reverse: boolean; onScrolledBack: () => void; children: ReactNode }) {
  return (
    <div
      ref={scrollRef}
      role="table"
      aria-label="Log lines"
      aria-rowcount={count}
      tabIndex={0}
      onWheel={(ev) => {
        if (ev.deltaY < 0) requestAnimationFrame(onScrolledBack);
      }}
      onKeyDown={(ev) => {
        if (["ArrowUp", "PageUp", "Home"].includes(ev.key)) requestAnimationFrame(onScrolledBack);
      }}
      onPointerUp={onScrolledBack}
      // The list places its rows itself: the browser's scroll anchoring would move the view as they change.
      style={{ overflowAnchor: "none" }}
      className={`relative min-h-0 flex-1 overflow-y-auto bg-white font-mono text-[12px] leading-[18px] text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200 ${reverse ? "flex flex-col-reverse overflow-x-hidden" : "overflow-x-auto"}`}
    >
      {children}
    </div>
  );
}

/** Scroll position and viewport height, read on scroll and resize only (never forced), at most once per frame. */
function useViewport(scrollRef: RefObject<HTMLDivElement | null>): { top: number; height: number } {
  const [view, setView] = useState({ top: 0, height: 0 });
  useLayoutEffect(() => {
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
 * Rows of known height (no wrapping), in a column-reverse scroller: its scroll origin is the end,
 * so while following the view stays on the newest line as rows arrive without the page ever
 * setting or reading a scroll position (each of which would force a layout per render). Rows are
 * placed from a table of line offsets (skipped while every record is one line) found by binary
 * search.
 */
function FixedList({ store, following, onRequest, onScrollBack }: ListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const offsets = useRef<Float64Array | null>(null);
  const view = useViewport(scrollRef);
  const [copied, copy] = useCopy();
  const count = store.length;

  let start: (i: number) => number;
  if (store.singleLine) start = (i) => i;
  else {
    if (!offsets.current || offsets.current.length < store.capacity + 1) offsets.current = new Float64Array(store.capacity + 1);
    const off = offsets.current;
    off[0] = 0;
    for (let i = 0; i < count; i++) off[i + 1] = off[i] + entryLineCount(store.at(i));
    start = (i) => off[i];
  }
  const totalLines = start(count);
  const height = Math.max(totalLines * LINE_HEIGHT, view.height);
  // scrollTop runs from 0 (the end) down to -(height - viewport) (the beginning); rows arriving
  // while it is 0 extend the list upwards, out of view, and leave it 0.
  const top = Math.max(0, height - view.height + Math.min(0, view.top));
  const firstLine = Math.floor(top / LINE_HEIGHT);
  const lastLine = Math.ceil((top + view.height) / LINE_HEIGHT);
  // The first record whose lines reach past firstLine.
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (start(mid + 1) <= firstLine) lo = mid + 1;
    else hi = mid;
  }
  // Following, the view sits at the end and moves only with new rows: no rows off screen are needed.
  const overscan = following && view.top === 0 ? 1 : OVERSCAN_ROWS;
  const from = Math.max(0, lo - overscan);
  let to = lo;
  while (to < count && start(to) < lastLine) to++;
  to = Math.min(count, to + overscan);
  // Keyed by seq modulo the slots in view: a record keeps its element while it stays in view (a
  // new frame only moves it), and a record coming into view takes over the element of one that
  // left, so the DOM is rewritten rather than replaced. A filtered view's seqs have gaps and may
  // collide; those rows get a key of their own.
  const slots = Math.ceil(view.height / LINE_HEIGHT) + 2 * OVERSCAN_ROWS + 4;
  const used = new Set<number>();
  const rows = [];
  for (let i = from; i < to; i++) {
    const e = store.at(i);
    const at = start(i);
    let key: number | string = e.seq % slots;
    if (used.has(key)) key = `seq${e.seq}`;
    else used.add(key);
    rows.push(<LogRow key={key} entry={e} lines={start(i + 1) - at} top={at * LINE_HEIGHT} wrap={false} rowIndex={i + 1} copied={copied === e.seq} onRequest={onRequest} onCopy={copy} />);
  }

  // Back to the end when following resumes ("Jump to end", "Follow").
  useLayoutEffect(() => {
    if (following && scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [following]);

  const scrolledBack = useCallback(() => {
    const el = scrollRef.current;
    if (el && following && el.scrollTop < -SCROLL_BACK_PX) onScrollBack();
  }, [following, onScrollBack]);
  // However the view moved up (wheel, smooth scrolling still running, scrollbar, keys, touch):
  // checked on the scroll position the list re-renders with. Only lines arriving never move it.
  useEffect(() => {
    if (view.top < -SCROLL_BACK_PX) scrolledBack();
  }, [view.top, scrolledBack]);

  return (
    <Scroller scrollRef={scrollRef} count={count} reverse onScrolledBack={scrolledBack}>
      <div role="rowgroup" style={{ height, flexShrink: 0, position: "relative", width: "100%", contain: "strict" }}>
        {rows}
      </div>
    </Scroller>
  );
}

/** Wrapped rows have heights only the browser knows: measured by the virtualizer, kept at the end by scrolling. */
function MeasuredList({ store, version, following, onRequest, onScrollBack }: ListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [copied, copy] = useCopy();
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
  // Stick to the end while following, also when measuring changes the rows' heights.
  const total = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [version, following, count, total]);

  const scrolledBack = useCallback(() => {
    const el = scrollRef.current;
    if (el && following && el.scrollTop + el.clientHeight < el.scrollHeight - SCROLL_BACK_PX) onScrollBack();
  }, [following, onScrollBack]);

  return (
    <Scroller scrollRef={scrollRef} count={count} reverse={false} onScrolledBack={scrolledBack}>
      <div role="rowgroup" style={{ height: total, position: "relative", width: "100%" }}>
        {virtualizer.getVirtualItems().map((item) => {
          const e = store.at(item.index);
          if (!e) return null;
          return (
            <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start}px)` }}>
              <LogRow entry={e} lines={entryLineCount(e)} top={null} wrap rowIndex={item.index + 1} copied={copied === e.seq} onRequest={onRequest} onCopy={copy} />
            </div>
          );
        })}
      </div>
    </Scroller>
  );
}

/** The window of records: only the rows in view (plus a few) are in the DOM. Re-renders on every store update. */
export function LogList(props: Omit<ListProps, "version"> & { wrap: boolean }) {
  const { wrap, ...rest } = props;
  const version = useSyncExternalStore(rest.store.subscribe, rest.store.getVersion, rest.store.getVersion);
  return wrap ? <MeasuredList {...rest} version={version} /> : <FixedList {...rest} version={version} />;
}
