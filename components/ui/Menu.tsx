"use client";

import { useEffect, useId, useRef, useState } from "react";

export interface MenuItem {
  /** The item's accessible name (Playwright: getByRole("menuitem", { name: label })). */
  label: string;
  /** One line under the label, read as the item's description. */
  description?: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

/**
 * A menu button (WAI-ARIA menu pattern): Enter/Space/ArrowDown opens and focuses the first item,
 * arrows move, Escape closes and returns focus to the button, a click outside closes.
 */
export function Menu({
  label,
  items,
  children,
  align = "end",
  buttonClassName = "",
}: {
  /** The button's accessible name. */
  label: string;
  items: MenuItem[];
  /** What the button shows (defaults to the label). */
  children?: React.ReactNode;
  align?: "start" | "end";
  buttonClassName?: string;
}) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  const itemEls = () => Array.from(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not([disabled])') ?? []);

  useEffect(() => {
    if (!open) return;
    itemEls()[0]?.focus();
    const onPointer = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!menuRef.current?.contains(t) && !buttonRef.current?.contains(t)) setOpen(false);
    };
    document.addEventListener("mousedown", onPointer);
    return () => document.removeEventListener("mousedown", onPointer);
  }, [open]);

  function close(refocus: boolean) {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  }

  function onMenuKey(e: React.KeyboardEvent) {
    const els = itemEls();
    const at = els.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number) => els[(i + els.length) % els.length]?.focus();
    if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(els.length - 1);
    else if (e.key === "Escape") close(true);
    else if (e.key === "Tab") close(false);
    else return;
    if (e.key !== "Tab") e.preventDefault();
  }

  return (
    <div className="relative inline-flex">
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
        className={buttonClassName || "inline-flex items-center rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"}
      >
        {children ?? label}
      </button>
      {open ? (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={label}
          onKeyDown={onMenuKey}
          className={`absolute top-full z-30 mt-1 max-h-96 min-w-56 overflow-y-auto rounded-md border border-zinc-200 bg-white py-1 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900 ${align === "end" ? "right-0" : "left-0"}`}
        >
          {items.map((item) => (
            <MenuItemButton key={item.label} item={item} onDone={() => close(true)} />
          ))}
        </div>
      ) : null}
    </div>
  );
}

function MenuItemButton({ item, onDone }: { item: MenuItem; onDone: () => void }) {
  const descId = useId();
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      aria-label={item.label}
      aria-describedby={item.description ? descId : undefined}
      disabled={item.disabled}
      onClick={() => {
        onDone();
        item.onSelect();
      }}
      className={`block w-full px-3 py-1.5 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus-visible:outline-none disabled:opacity-50 dark:hover:bg-zinc-800 dark:focus:bg-zinc-800 ${item.danger ? "text-red-700 dark:text-red-400" : ""}`}
    >
      <span className="block font-medium">{item.label}</span>
      {item.description ? (
        <span id={descId} className="block text-[11px] text-zinc-500">
          {item.description}
        </span>
      ) : null}
    </button>
  );
}
