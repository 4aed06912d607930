// Pure (no server-only): where to go after signing in.

const BASE = "http://fleet.invalid";
const MAX_NEXT_LENGTH = 2048;
// C0 controls, DEL and C1 controls: the URL parser silently drops tab and newline, so
// "/\t/evil" would become "//evil"; the others have no business in a path either.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A path that a browser can only read as "this site": one leading "/", not "//" or "/\", no controls. */
function isLocalPath(value: string): boolean {
  return value.startsWith("/") && value[1] !== "/" && value[1] !== "\\" && !value.includes("\\") && !CONTROL.test(value);
}

/**
 * The `?next=` target if it is a path on this site, else "/". The check runs on what is
 * returned (after URL normalisation, which turns "/.//evil" into "//evil"), and again on
 * its percent-decoded form, so an encoded "//", "\" or control character cannot reappear
 * when a later hop decodes it. The sign-in page itself is never a target.
 */
export function safeNextPath(next: string | string[] | null | undefined): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (typeof value !== "string" || value.length > MAX_NEXT_LENGTH || !isLocalPath(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE || url.username || url.password) return "/";
  const result = url.pathname + url.search + url.hash;
  if (!isLocalPath(result)) return "/";
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(url.pathname);
  } catch {
    return "/";
  }
  if (!isLocalPath(decodedPath)) return "/";
  const page = decodedPath.replace(/\/+$/, "").toLowerCase();
  if (page === "/login" || page.startsWith("/login/")) return "/";
  return result;
}

/**
 * Where a signed-out visit to `asked` (a request's path and query) is sent: the sign-in page with
 * that page as `?next=`, so signing in returns there. Next's own `_rsc` query is dropped; the root
 * and anything safeNextPath would refuse get the plain sign-in page.
 */
export function signInPathFor(asked: string | null): string {
  if (!asked) return "/login";
  let url: URL;
  try {
    url = new URL(asked, BASE);
  } catch {
    return "/login";
  }
  url.searchParams.delete("_rsc");
  const next = safeNextPath(url.origin === BASE ? url.pathname + url.search : null);
  return next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}
