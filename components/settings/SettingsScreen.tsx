"use client";

import { usePathname, useRouter } from "next/navigation";
import { useRef } from "react";
import { AuditPanel } from "./AuditPanel";
import { TokensPanel } from "./TokensPanel";
import { SETTINGS_TABS, type SettingsTab } from "./tabs";
import { UsersPanel } from "./UsersPanel";

/** The admin screens; the open tab lives in the URL (?tab=…), so it survives a reload and can be linked. */
export function SettingsScreen({ tab, self }: { tab: SettingsTab; self: string }) {
  const router = useRouter();
  const path = usePathname();
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const select = (id: SettingsTab) => router.replace(`${path}?tab=${id}`, { scroll: false });
  // Arrow keys move between tabs (WAI-ARIA tabs pattern); Tab goes on into the panel.
  function onKeyDown(e: React.KeyboardEvent, index: number) {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (index + step + SETTINGS_TABS.length) % SETTINGS_TABS.length;
    tabs.current[next]?.focus();
    select(SETTINGS_TABS[next].id);
  }
  return (
    <div className="flex flex-col gap-4 p-6">
      <header>
        <h1 className="text-base font-semibold">Settings</h1>
        <p className="text-xs text-zinc-500">Who may sign in, which scripts hold tokens, and what everyone did. Every change here is audited.</p>
      </header>
      <div role="tablist" aria-label="Settings" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {SETTINGS_TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t.id === tab}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === tab ? 0 : -1}
            onClick={() => select(t.id)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className="-mb-px rounded-t-md border-b-2 border-transparent px-3 py-1.5 text-xs text-zinc-600 hover:text-zinc-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 aria-selected:border-sky-700 aria-selected:font-medium aria-selected:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100 dark:aria-selected:border-sky-500 dark:aria-selected:text-zinc-100"
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "users" ? <UsersPanel self={self} /> : tab === "tokens" ? <TokensPanel /> : <AuditPanel />}
      </div>
    </div>
  );
}
