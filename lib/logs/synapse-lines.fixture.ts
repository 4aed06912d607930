/**
 * Realistic Synapse log lines for regex tests and the regex benchmark (not shipped code).
 * The shapes are copied from the lab's processes: Synapse's default format
 * `<date> <time>,<ms> - <logger> - <lineno> - <LEVEL> - <request> - <message>`, access lines with
 * their timings and user agents, replication and storage chatter, warnings and traceback lines.
 * Deterministic (a seeded generator), so every run scans the same text.
 */

const USERS = ["@alice:fleet.test", "@bob:fleet.test", "@carol:example.org", "@admin:fleet.test", "@bridge_bot:fleet.test"];
const PATHS = [
  "/_matrix/client/v3/sync?timeout=30000&since=s1234_567_0_1_1_1_1_89_0_1",
  "/_matrix/client/v3/rooms/!OGEhHVWSdvArJzumhm%3Afleet.test/send/m.room.message/m1733040000000.12",
  "/_matrix/client/v3/keys/query",
  "/_matrix/client/v3/pushrules/",
  "/_matrix/media/v3/download/fleet.test/kJhGfDsAqWeRtYuIoP",
  "/_matrix/federation/v1/send/1733040000123",
  "/_matrix/client/v3/rooms/!OGEhHVWSdvArJzumhm%3Afleet.test/messages?dir=b&limit=30",
  "/_synapse/admin/v2/users?from=0&limit=10",
];
const AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Element/1.11.84 Chrome/130.0.6723.191 Electron/33.3.1 Safari/537.36",
  "Element X/1.9.2 (iPhone15,3; iOS 18.1.1; en; Sdk 1.0)",
  "Synapse/1.160.0",
  "python-requests/2.32.3",
];
const TEMPLATES: Array<(r: () => number, pick: <T>(xs: T[]) => T) => string> = [
  (r, pick) => {
    const method = pick(["GET", "GET", "GET", "PUT", "POST"]);
    const status = pick([200, 200, 200, 200, 401, 404, 429, 502]);
    return `synapse.access.http.8083 - 465 - INFO - ${method}-${Math.floor(r() * 99999)} - 172.18.0.${Math.floor(r() * 250)} - 8083 - {${pick(USERS)}} Processed request: ${(r() * 2).toFixed(3)}sec/0.000sec (0.00${Math.floor(r() * 9)}sec, 0.000sec) (0.000sec/0.00${Math.floor(r() * 9)}sec/${Math.floor(r() * 6)}) ${Math.floor(r() * 40000)}B ${status} "${method} ${pick(PATHS)} HTTP/1.1" "${pick(AGENTS)}" [0 dbevts]`;
  },
  (r) => `synapse.storage.databases.main.event_push_actions - 1634 - INFO - rotate_notifs-${Math.floor(r() * 90)} - Rotating notifications up to: ${Math.floor(r() * 5000)}`,
  (r) => `synapse.replication.tcp.resource - 303 - INFO - replication_notifier-${Math.floor(r() * 9)} - Sending position for events: ${Math.floor(r() * 9000)} -> ${Math.floor(r() * 9000)}`,
  (r, pick) => `synapse.handlers.presence - 1412 - INFO - sync-${Math.floor(r() * 999)} - Presence: ${pick(USERS)} went online (state=online, last_active_ago=${Math.floor(r() * 60000)})`,
  (r) => `synapse.storage.util.id_generators - 92 - INFO - main - Initialising stream generator for push_rules(id): ${Math.floor(r() * 90)}`,
  (r, pick) => `synapse.federation.sender.per_destination_queue - 383 - WARNING - federation_transaction_transmission_loop-${Math.floor(r() * 999)} - TX [${pick(["matrix.org", "example.org", "kde.org"])}] Failed to send transaction: Failed to send request: TimeoutError: User timeout caused connection failure.`,
  (r) => `synapse.http.server - 131 - ERROR - GET-${Math.floor(r() * 99999)} - Failed handle request via 'SyncRestServlet': <XForwardedForRequest at 0x7f3c${Math.floor(r() * 0xffff).toString(16)} method='GET' uri='/_matrix/client/v3/sync' clientproto='HTTP/1.1' site='8083'>`,
  () => `Traceback (most recent call last):`,
  (r) => `  File "/usr/lib/python3/dist-packages/synapse/http/server.py", line ${300 + Math.floor(r() * 100)}, in _async_render_wrapper`,
  () => `    callback_return = await self._async_render(request)`,
  (r) => `twisted.internet.error.ConnectionRefusedError: Connection was refused by other side: 111: Connection refused (redis:${6379 + Math.floor(r() * 2)}).`,
  (r, pick) => `synapse.util.caches.response_cache - 257 - INFO - GET-${Math.floor(r() * 99999)} - [sync]: no cached result for [(${pick(USERS)}, 30000, 's1234_567_0_1', None, False, 'DEVICE${Math.floor(r() * 99)}')], calculating new one`,
  (r) => `synapse.metrics.background_process_metrics - 244 - DEBUG - background_updates-${Math.floor(r() * 9)} - Background process 'background_updates' finished in ${(r() * 0.1).toFixed(4)}s`,
];

/** A small seeded PRNG (mulberry32): the same seed gives the same lines. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` Synapse log lines as a worker writes them; traceback lines carry no header, as in real logs. */
export function synapseLogLines(count: number, seed = 8): string[] {
  const r = seeded(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const lines: string[] = [];
  const start = Date.UTC(2026, 11, 1, 8, 52, 26);
  for (let i = 0; i < count; i++) {
    const body = pick(TEMPLATES)(r, pick);
    if (body.startsWith("Traceback") || body.startsWith(" ") || body.startsWith("twisted.")) {
      lines.push(body);
      continue;
    }
    const d = new Date(start + i * 37);
    const stamp = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)},${String(d.getUTCMilliseconds()).padStart(3, "0")}`;
    lines.push(`${stamp} - ${body}`);
  }
  return lines;
}

/** Lines built to make a backtracking engine explode: long runs of one character and a mismatch at the end. */
export function adversarialLines(): string[] {
  return [
    "a".repeat(5000) + "!",
    "x".repeat(5000) + "!",
    "=".repeat(5000) + "!",
    "a ".repeat(2500) + "!",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    "1".repeat(5000) + "x",
    "GET-".repeat(1200) + "!",
  ];
}

/**
 * Patterns that take exponential or high-polynomial time on a backtracking engine (JS RegExp):
 * each one froze, or would freeze, the server for minutes to hours on one adversarial line.
 */
export const CATASTROPHIC_PATTERNS = [
  "(a+)+$",
  "((a+))+$",
  "(?:(?:a)+)+$",
  "(a|a)*$",
  "(a|aa)+$",
  "(a*)*b",
  "^(a+)+$",
  "(x+x+)+y",
  "(.*a){12}",
  ".*.*.*.*.*.*.*.*=$",
  ".*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*!x",
  "(\\w+\\s?)+$",
  "(\\w+\\s?)*$",
  "^(\\d+)*$",
  "(a|b|ab)*c",
  "([a-z]+)*[0-9]!",
  "(.*){20}!x",
  "(=+=+)+x",
  "^(([a-z])+.)+[A-Z]([a-z])+$",
  "(GET-|GET-\\w*)+!x",
];
