"use client";

import { useState, type FormEvent } from "react";
import { loginFailureForStatus, loginFailureMessage, retryAfterSeconds } from "./login-messages";

const inputClass =
  "block w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm text-zinc-900 placeholder:text-zinc-400 " +
  "focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 disabled:opacity-60 " +
  "dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100 dark:placeholder:text-zinc-500";

async function failureMessage(res: Response): Promise<string> {
  const failure = loginFailureForStatus(res.status);
  if (failure === "invalid" || failure === "throttled") return loginFailureMessage(failure, retryAfterSeconds(res.headers.get("retry-after")));
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `Sign-in failed (HTTP ${res.status}).`;
}

/**
 * Username and password form; on success goes to `next` (already checked to be a local path).
 * It is a real form posting to the login route, so it works before hydration or without
 * JavaScript (the route answers 303); once hydrated it signs in by fetch and stays on the page
 * to show a refusal.
 */
export function LoginForm({ next, initialError = null }: { next: string; initialError?: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
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
    <form method="post" action="/api/auth/login" onSubmit={onSubmit} className="flex flex-col gap-4" noValidate>
      <input type="hidden" name="next" value={next} />
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
