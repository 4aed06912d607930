"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useRef } from "react";
import { LINE_HEIGHT, LogRow, entryLineCount } from "./LogRow";
import type { LogStore } from "./logStore";

/** Measured sizes are kept per record; past this many the cache is dropped (memory stays flat). */
const MAX_MEASURED = 5_000;

/**
 * The window of records, virtualized: only the rows in view (plus a few) are in the DOM. Without
 * wrapping every row's height is known from its line count; with wrapping rows are measured.
 */
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
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => entryLineCount(store.at(i)) * LINE_HEIGHT,
    getItemKey: (i) => store.at(i).seq,
    overscan: 12,
  });

  useEffect(() => {
    virtualizer.measure();
  }, [wrap, virtualizer]);

  // Stick to the end while following; runs after each frame's render, before paint.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (virtualizer.itemSizeCache.size > MAX_MEASURED) virtualizer.measure();
    if (following) el.scrollTop = el.scrollHeight;
  }, [version, following, count, virtualizer]);

  const scrolledBack = useCallback(() => {
    const el = scrollRef.current;
    if (el && following && el.scrollTop + el.clientHeight < el.scrollHeight - LINE_HEIGHT * 2) onScrollBack();
  }, [following, onScrollBack]);

  const items = virtualizer.getVirtualItems();
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
      <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: "relative", width: "100%" }}>
        {items.map((item) => {
          const e = store.at(item.index);
          if (!e) return null;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={wrap ? virtualizer.measureElement : undefined}
              style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start}px)`, height: wrap ? undefined : item.size, overflow: wrap ? undefined : "hidden" }}
            >
              <LogRow entry={e} lines={entryLineCount(e)} wrap={wrap} rowIndex={item.index + 1} onRequest={onRequest} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
