"use client";

import { useId, useRef, useState } from "react";
import { Button } from "@/components/ui/Button";

/**
 * A secret the server answers once (a generated password, a new API token): shown in a
 * read-only field with a copy button, and gone when dismissed — it is never stored client-side.
 */
export function SecretOnce({ label, value, note, onDismiss }: { label: string; value: string; note: string; onDismiss: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  async function copyValue() {
    try {
      // The clipboard API exists only in secure contexts (HTTPS or localhost).
      await navigator.clipboard.writeText(value);
      setCopy("copied");
    } catch {
      input.current?.select();
      setCopy("failed");
    }
  }
  return (
    <section
      aria-label={label}
      className="flex flex-col gap-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-950 dark:border-amber-800 dark:bg-amber-950/60 dark:text-amber-100"
    >
      <label htmlFor={id} className="text-xs font-medium">
        {label}
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <input
          id={id}
          ref={input}
          readOnly
          value={value}
          data-testid="secret-value"
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-amber-300 bg-white px-2 py-1 font-mono text-xs text-zinc-900 dark:border-amber-800 dark:bg-zinc-950 dark:text-zinc-100"
        />
        <Button onClick={() => void copyValue()}>Copy</Button>
        <Button tone="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
      <p className="text-xs" aria-live="polite">
        {copy === "copied" ? "Copied to the clipboard. " : copy === "failed" ? "The browser refused the clipboard: the value is selected, copy it by hand. " : ""}
        {note}
      </p>
    </section>
  );
}

/** A refusal from the API, in the operator's words. */
export function ErrorNote({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      {error.message}
    </p>
  );
}
