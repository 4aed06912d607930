"use client";

import { useState, type FormEvent } from "react";

const inputClass =
  "block w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm text-zinc-900 placeholder:text-zinc-400 " +
  "focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 disabled:opacity-60 " +
  "dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100 dark:placeholder:text-zinc-500";

async function failureMessage(res: Response): Promise<string> {
  if (res.status === 401) return "Invalid username or password.";
  if (res.status === 429) {
    const minutes = Math.max(1, Math.ceil(Number(res.headers.get("retry-after") ?? "900") / 60));
    return `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `Sign-in failed (HTTP ${res.status}).`;
}

/** Username and password form; on success goes to `next` (already checked to be a local path). */
export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
      });
      if (res.ok) {
        // A full navigation, so the server renders the console with the new cookie.
        window.location.assign(next);
        return;
      }
      setError(await failureMessage(res));
    } catch {
      setError("Cannot reach the Synapse Fleet server.");
    }
    setPending(false);
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" noValidate>
      <div className="flex flex-col gap-1">
        <label htmlFor="username" className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Username
        </label>
        <input id="username" name="username" type="text" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus disabled={pending} className={inputClass} />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="password" className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required disabled={pending} className={inputClass} />
      </div>
      <div role="alert" aria-live="assertive" className="min-h-5 text-xs text-rose-700 dark:text-rose-400">
        {error}
      </div>
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-zinc-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-zinc-800 disabled:cursor-wait disabled:opacity-70 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-200"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
