"use client";

import { useState, type FormEvent } from "react";

/** Why a sign-out did not happen, from the route's answer. */
async function refusal(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return `Sign-out failed: ${body?.error?.message ?? `HTTP ${res.status}`}. You are still signed in.`;
}

/**
 * The sign-out control. A real form posting to the logout route, so a click before hydration
 * (or without JavaScript) signs out too: the route answers a form post with 303 to /login. Once
 * hydrated it posts by fetch and leaves the page only when the session is gone — a refusal is
 * shown here instead of a sign-in page that hides that the session still lives.
 */
export function SignOutForm() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/logout", { method: "POST", headers: { Accept: "application/json" } });
      // 401: the session had already ended (expired, revoked); that is signed out too.
      if (res.ok || res.status === 401) {
        window.location.assign("/login");
        return;
      }
      setError(await refusal(res));
    } catch {
      setError("Cannot reach the Synapse Fleet server. You are still signed in.");
    }
    setPending(false);
  }

  return (
    <form method="post" action="/api/auth/logout" onSubmit={onSubmit}>
      {/* Under the site's Referrer-Policy: no-referrer a form post carries "Origin: null", which the
          logout route's Origin check refuses. same-origin still sends no referrer to other sites.
          React hoists this into the head of every page that has the control. */}
      <meta name="referrer" content="same-origin" />
      <button
        type="submit"
        disabled={pending}
        className="mt-2 rounded-md border border-zinc-300 px-2 py-1 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        {pending ? "Signing out…" : "Sign out"}
      </button>
      {error && (
        <p role="alert" className="mt-2 text-rose-700 dark:text-rose-400">
          {error}
        </p>
      )}
    </form>
  );
}
