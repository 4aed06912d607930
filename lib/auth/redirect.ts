// Pure (no server-only): where to go after signing in.

/**
 * The `?next=` target if it is a path on this site, else "/". Refuses absolute URLs,
 * protocol-relative `//host` and backslash tricks that browsers treat as another host.
 */
export function safeNextPath(next: string | string[] | null | undefined): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  if (/[\u0000-\u001f]/.test(value)) return "/";
  try {
    const base = "http://fleet.invalid";
    const url = new URL(value, base);
    if (url.origin !== base) return "/";
    if (url.pathname === "/login") return "/";
    return url.pathname + url.search + url.hash;
  } catch {
    return "/";
  }
}
