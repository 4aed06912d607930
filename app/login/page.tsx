import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/LoginForm";
import { loginFailureMessage, loginFailureOf, retryAfterSeconds } from "@/components/auth/login-messages";
import { authenticateRequest } from "@/lib/auth";
import { safeNextPath } from "@/lib/auth/redirect";

export const dynamic = "force-dynamic";
// The site sends Referrer-Policy: no-referrer, under which a browser's form post carries
// "Origin: null" and the login route's Origin check refuses it. same-origin still sends no
// referrer to any other site, and lets the form without JavaScript say where it comes from.
export const metadata: Metadata = { title: "Sign in · Synapse Fleet", referrer: "same-origin" };

type Query = { next?: string | string[]; error?: string | string[]; retry?: string | string[] };

/**
 * The sign-in screen; someone already signed in goes straight on. After a form post made
 * without JavaScript the route sends the browser back here with ?error=<code>: the message is
 * rendered from the code (never from the URL's text).
 */
export default async function LoginPage({ searchParams }: { searchParams: Promise<Query> }) {
  const query = await searchParams;
  const next = safeNextPath(query.next);
  const failure = loginFailureOf(query.error);
  const initialError = failure ? loginFailureMessage(failure, retryAfterSeconds(query.retry)) : null;
  const principal = await authenticateRequest(new Request("http://fleet.local/login", { headers: await headers() }));
  if (principal) redirect(next);
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <h1 className="text-lg font-semibold tracking-tight">Synapse Fleet</h1>
          <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Sign in to the operator console</p>
        </div>
        <div className="rounded-lg border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <LoginForm next={next} initialError={initialError} />
        </div>
      </div>
    </main>
  );
}
