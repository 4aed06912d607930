// The image's HEALTHCHECK: GET /api/health on the address the server listens on (FLEET_LISTEN's
// first entry, a wildcard meaning loopback), within 4 s. No curl in the image: node is there anyway.
const first = (process.env.FLEET_LISTEN || "127.0.0.1").split(",")[0].trim().replace(/^\[(.*)\]$/, "$1");
const host = first === "0.0.0.0" || first === "" ? "127.0.0.1" : first === "::" ? "::1" : first;
const url = `http://${host.includes(":") ? `[${host}]` : host}:${process.env.PORT || 3000}/api/health`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  const body = await res.json();
  process.exit(res.ok && body.ok === true ? 0 : 1);
} catch (err) {
  console.error(`${url}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
