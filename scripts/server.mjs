// The production server: Next's request handler behind a plain node:http server that decides
// who the client is. Route handlers never see the socket and `next start` keeps whatever
// X-Forwarded-* a client sends, so this is the one place that can tell a proxy's word from a
// client's. Run it as `node scripts/server.mjs` after `next build`.
//
//   FLEET_LISTEN           addresses to listen on, comma-separated (default 127.0.0.1; 0.0.0.0 or :: to open
//                          it; a name such as localhost binds every address it resolves to)
//   PORT                   port (default 3000)
//   FLEET_TRUSTED_PROXIES  proxies whose X-Forwarded-* headers are believed: IPs and CIDRs, comma-separated
//                          (default none: the headers are removed from every request)
//   FLEET_SHUTDOWN_GRACE_MS  on SIGTERM/SIGINT, how long an operation in flight may take to end before it
//                          is stopped between two steps and put back (default 25000, at most 600000)
import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import { BlockList, isIP } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FORWARDING_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded"];
// Read by clientIp() in lib/auth/request.ts: "<secret> <address>". Keep the two in step.
const CLIENT_HEADER = "x-fleet-client";
// The path and query asked for, read by the console layout to send a signed-out visitor to
// /login?next=<it> (the sign-in page checks it: lib/auth/redirect.ts). Never the client's own value.
const PAGE_HEADER = "x-fleet-page";
// Once operations are done: how long open requests get before their connections are cut.
const STREAM_CUT_MS = 5_000;
const DEFAULT_OPERATION_GRACE_MS = 25_000;
const MAX_OPERATION_GRACE_MS = 600_000;

/** FLEET_SHUTDOWN_GRACE_MS as milliseconds; anything but a whole number in range is a start-up error. */
export function parseShutdownGrace(value) {
  if (value === undefined || value.trim() === "") return DEFAULT_OPERATION_GRACE_MS;
  const v = value.trim();
  if (!/^\d{1,7}$/.test(v) || Number(v) > MAX_OPERATION_GRACE_MS) {
    throw new Error(`FLEET_SHUTDOWN_GRACE_MS "${value.slice(0, 40)}" must be whole milliseconds from 0 to ${MAX_OPERATION_GRACE_MS}`);
  }
  return Number(v);
}

/**
 * Lets the operations drain (lib/operations/shutdown.ts): none starts from now on, one in flight gets
 * `graceMs` to end, then is stopped between two steps and put back. The app installs the drain on
 * globalThis when it loads its operations; without it no operation can be in flight.
 */
async function drainOperations(signal, graceMs) {
  const drain = globalThis.__fleetDrainOperations;
  if (typeof drain !== "function") return;
  console.log(`${signal}: starting no new operation; one in flight gets up to ${graceMs} ms to end`);
  const onGraceOver = (ids) => {
    if (ids.length > 0) console.log(`${signal}: shutdown grace over, stopping ${ids.join(", ")} at the next safe point and putting it back`);
  };
  try {
    const report = await drain({ signal, graceMs, onGraceOver });
    if (report.stopped.length > 0 || report.waitedMs >= 100) console.log(`${signal}: operations done after ${report.waitedMs} ms${report.stopped.length ? ` (${report.stopped.length} stopped and put back)` : ""}`);
  } catch (err) {
    console.error(`[server] draining operations failed: ${err instanceof Error ? err.message : err}`);
  }
}

/** An address without zone index, IPv4-mapped IPv6 as plain IPv4; null when it is not an IP. */
export function normaliseAddress(raw) {
  if (typeof raw !== "string") return null;
  let addr = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (bracketed) addr = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(addr)) addr = addr.slice(0, addr.lastIndexOf(":"));
  addr = addr.split("%")[0];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1];
  return isIP(addr) ? addr.toLowerCase() : null;
}

/** Parses FLEET_TRUSTED_PROXIES into a matcher; a malformed entry is a start-up error. */
export function parseTrustedProxies(spec = "") {
  const list = new BlockList();
  let count = 0;
  for (const entry of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [rawAddr, rawPrefix, extra] = entry.split("/");
    const addr = normaliseAddress(rawAddr);
    if (!addr || extra !== undefined) throw new Error(`FLEET_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
    const family = isIP(addr) === 4 ? "ipv4" : "ipv6";
    if (rawPrefix === undefined) {
      list.addAddress(addr, family);
    } else {
      const prefix = Number(rawPrefix);
      // A mapped IPv4 CIDR (::ffff:10.0.0.0/104) is written against 128 bits; it matches as IPv4.
      const bits = family === "ipv4" && rawAddr.includes(":") ? prefix - 96 : prefix;
      const max = family === "ipv4" ? 32 : 128;
      if (!/^\d+$/.test(rawPrefix) || bits < 0 || bits > max) throw new Error(`FLEET_TRUSTED_PROXIES: "${entry}" has a bad prefix length`);
      list.addSubnet(addr, bits, family);
    }
    count++;
  }
  // No proxy trusted (the default): nothing to look up, on every request.
  if (count === 0) return { count, has: () => false };
  return { count, has: (addr) => (addr ? list.check(addr, isIP(addr) === 4 ? "ipv4" : "ipv6") : false) };
}

/**
 * The client address for a request from `peer`. An untrusted peer is the client. Behind
 * trusted proxies, X-Forwarded-For is read from the right (each proxy appends the address
 * it saw) and the first address that is not a trusted proxy is the client; anything left of
 * it was written by the client and is ignored.
 */
export function decideClient(peer, forwardedFor, trusted) {
  if (!peer || !trusted.has(peer)) return peer;
  let client = peer;
  const hops = typeof forwardedFor === "string" ? forwardedFor.split(",") : [];
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseAddress(hops[i]);
    if (!hop) break; // garbage: stop at the last hop a trusted proxy vouched for
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}

/** Strips what an untrusted peer may not say and stamps the decided client address. */
export function stampRequest(req, trusted, secret) {
  const peer = normaliseAddress(req.socket.remoteAddress);
  if (!peer || !trusted.has(peer)) for (const h of FORWARDING_HEADERS) delete req.headers[h];
  const client = decideClient(peer, req.headers["x-forwarded-for"], trusted);
  delete req.headers[CLIENT_HEADER];
  if (client) req.headers[CLIENT_HEADER] = `${secret} ${client}`;
  req.headers[PAGE_HEADER] = typeof req.url === "string" ? req.url.slice(0, 4096) : "/";
}

async function listenAddresses(spec) {
  const out = [];
  for (const entry of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const bare = entry.replace(/^\[(.*)\]$/, "$1");
    if (isIP(bare)) out.push(bare);
    else out.push(...(await lookup(bare, { all: true })).map((a) => a.address));
  }
  if (out.length === 0) throw new Error("FLEET_LISTEN names no address");
  return [...new Set(out)];
}

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function main() {
  process.env.NODE_ENV ??= "production";
  // Per boot and never sent to a client: only this process can write a header clientIp() believes.
  process.env.FLEET_INTERNAL_SECRET = randomBytes(32).toString("base64url");
  const secret = process.env.FLEET_INTERNAL_SECRET;
  const trusted = parseTrustedProxies(process.env.FLEET_TRUSTED_PROXIES);
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT "${process.env.PORT}" is not a port number`);
  const hosts = await listenAddresses(process.env.FLEET_LISTEN || "127.0.0.1");
  const graceMs = parseShutdownGrace(process.env.FLEET_SHUTDOWN_GRACE_MS);

  const { default: next } = await import("next");
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const app = next({ dev: false, dir, hostname: hosts[0], port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const compress = await compressor();

  const servers = hosts.map(() =>
    createServer((req, res) => {
      stampRequest(req, trusted, secret);
      compress(req, res);
      handle(req, res).catch((err) => {
        console.error("[server] request failed:", err instanceof Error ? err.message : err);
        if (!res.headersSent) res.writeHead(500).end();
      });
    }),
  );
  await Promise.all(servers.map((s, i) => listen(s, hosts[i], port)));
  for (const host of hosts) console.log(`Synapse Fleet listening on http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  if (trusted.count > 0) console.log(`Trusting X-Forwarded-* from ${trusted.count} proxy address(es) in FLEET_TRUSTED_PROXIES`);

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) process.exit(1); // a second Ctrl-C: do not wait (the next start puts back what is half-done)
    stopping = true;
    // Still listening meanwhile: a page follows the operation to its end, and a new one gets 503.
    await drainOperations(signal, graceMs);
    console.log(`${signal}: closing`);
    // Event and log streams never end on their own: give requests a moment, then cut them.
    const force = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), STREAM_CUT_MS);
    force.unref();
    Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)).then(() => undefined)))
      .then(() => process.exit(0));
    servers.forEach((s) => s.closeIdleConnections());
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

// Next drops a route's Content-Length (it streams every body), so an answer whose size is known
// states it here (lib/api/json.ts); the header never leaves this server.
const SIZE_HEADER = "x-fleet-body-bytes";
// An answer below this goes out as it is. It fits TCP's initial window (10 segments, ~14 KB with
// the headers) and so arrives in one round trip either way; gzip would only add its cost on both
// ends (~2 ms for a 5 KB topology on the lab machine, for 4 KB saved).
const ANSWER_THRESHOLD = 12 * 1024;

/** The size an answer states, removed from it; Infinity when it states none (a stream, a page). */
function statedSize(res) {
  const stated = res.getHeader(SIZE_HEADER);
  if (stated === undefined) return Infinity;
  res.removeHeader(SIZE_HEADER);
  const bytes = Number(stated);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : Infinity;
}

/**
 * Response compression, done here instead of by Next (`compress: false` in next.config.ts), whose
 * one setting is zlib's default level for everything: that spent ~18 ms of a 7-day metrics panel's
 * answer (~500 KB). Answers are made per request and get level 1 (about half the time, ~15 % larger);
 * Next's static chunks are built once and cached by the browser, and keep level 6. It is the same
 * middleware Next uses (its compiled copy), so what is compressed is unchanged: compressible types
 * from 1 KiB, or from ANSWER_THRESHOLD for an answer that states its size (SIZE_HEADER), never a
 * `Cache-Control: no-transform` answer (the event and log streams).
 */
export async function compressor() {
  const { default: compression } = await import("next/dist/compiled/compression/index.js");
  const { default: release } = await import("next/dist/server/lib/release-compression-stream.js");
  const answers = compression({ level: 1, filter: (req, res) => statedSize(res) >= ANSWER_THRESHOLD && compression.filter(req, res) });
  const assets = compression({ level: 6 });
  return (req, res) => {
    (req.url?.startsWith("/_next/static/") ? assets : answers)(req, res, () => {});
    // A client that goes away leaves the middleware's zlib stream open (Next releases it the same way).
    res.once("close", () => {
      if (!res.writableFinished) release.releaseCompressionStream(res);
    });
  };
}

// Imported by the tests for its functions; run as a script it starts the server.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`[server] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
