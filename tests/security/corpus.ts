// The bad-input corpus: requests an attacker or a careless script sends, each with the answer it
// must get. Replayed over real HTTP against the real dashboard and lab by e2e/security.api.ts,
// which also proves that none of them changed a config file, a container or a history row.

export type ProbeRole = "anonymous" | "viewer" | "operator" | "admin";

export interface Probe {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  as: ProbeRole;
  /** A JSON value (sent as application/json), raw text, or a size in bytes of filler JSON. */
  body?: { json: unknown } | { raw: string; type?: string } | { bytes: number; chunked?: boolean };
  headers?: Record<string, string>;
  status: number;
  /** The error code the body must carry (lib/api/errors.ts). */
  code?: string;
}

const seg = encodeURIComponent;
const add = (name: string, body: unknown, status: number, code = "bad_request"): Probe => ({
  name,
  method: "POST",
  path: "/api/workers",
  as: "operator",
  body: { json: body },
  status,
  code,
});

const hostileNames = [
  "../../etc/passwd",
  "a;rm -rf /",
  "$(id)",
  "`reboot`",
  "w".repeat(300),
  "wörker",
  "работник",
  "worker\n2",
  "WORKER",
  "1worker",
  "",
  "main",
  "master",
  "scale",
  "a b",
  "a/b",
  "%2e%2e",
];

const catastrophic = ["(a+)+$", "((a+))+$", "(?:(?:a)+)+$", ".*.*.*.*.*.*.*.*=$", "(a|a)*$", "(a|aa)+$", "(\\w+\\s?)+$", "(x+x+)+y", "(.*a){12}"];

export const probes: Probe[] = [
  // Hostile worker names in a body, each a 400 before anything is planned.
  ...hostileNames.map((n, i) => add(`worker name #${i + 1} (${JSON.stringify(n.slice(0, 20))})`, { type: "generic", name: n }, 400)),
  // …and in the path.
  ...["..%2F..%2Fetc%2Fpasswd", seg("$(id)"), "w".repeat(300), seg("wörker"), "%00", seg("a;b")].map(
    (p, i): Probe => ({ name: `remove hostile name #${i + 1}`, method: "DELETE", path: `/api/workers/${p}`, as: "operator", status: 400, code: "bad_request" }),
  ),
  { name: "remove a worker that does not exist", method: "DELETE", path: "/api/workers/nosuchworker", as: "operator", status: 404, code: "not_found" },
  { name: "unknown lifecycle action", method: "POST", path: "/api/workers/main/destroy", as: "operator", status: 404, code: "not_found" },
  { name: "lifecycle action on a traversal name", method: "POST", path: `/api/workers/${seg("../x")}/restart`, as: "operator", status: 400, code: "bad_request" },
  { name: "lifecycle action on an unknown process", method: "POST", path: "/api/workers/nosuchworker/restart", as: "operator", status: 404, code: "not_found" },
  // Ports.
  add("port 0", { type: "generic", port: 0 }, 400),
  add("port 22", { type: "generic", port: 22 }, 400),
  add("port 65536", { type: "generic", port: 65536 }, 400),
  add("port -1", { type: "generic", port: -1 }, 400),
  add("port 8008.5", { type: "generic", port: 8008.5 }, 400),
  add("port as a string", { type: "generic", port: "8009" }, 400),
  add("a port main already listens on", { type: "generic", port: 8008 }, 409, "conflict"),
  // Kinds, counts, presets, resources.
  add("unknown worker kind", { type: "bitcoin_miner" }, 400),
  add("kind missing", {}, 400),
  add("unknown key beside a valid kind", { type: "generic", privileged: true }, 400),
  add("absurd memory", { type: "generic", resources: { memoryMiB: 10 ** 9 } }, 400),
  add("negative cpus", { type: "generic", resources: { cpus: -1 } }, 400),
  ...[-1, 51, 1e9, 2.5, "3", null].map((count, i): Probe => ({ name: `scale count #${i + 1} (${String(count)})`, method: "PUT", path: "/api/workers/scale", as: "operator", body: { json: { type: "generic", count } }, status: 400, code: "bad_request" })),
  { name: "unknown preset", method: "PUT", path: "/api/workers/scale", as: "operator", body: { json: { preset: "enormous" } }, status: 400, code: "bad_request" },
  { name: "scale an unknown kind", method: "PUT", path: "/api/workers/scale", as: "operator", body: { json: { type: "nope", count: 1 } }, status: 400, code: "bad_request" },
  // Bodies: size, truncation, type.
  { name: "a 70 KiB body", method: "POST", path: "/api/workers", as: "operator", body: { bytes: 70 * 1024 }, status: 413, code: "payload_too_large" },
  { name: "a 2 MiB body sent chunked", method: "POST", path: "/api/workers", as: "operator", body: { bytes: 2 * 1024 * 1024, chunked: true }, status: 413, code: "payload_too_large" },
  { name: "a 5 MiB sign-in body, anonymous", method: "POST", path: "/api/auth/login", as: "anonymous", body: { bytes: 5 * 1024 * 1024 }, status: 413, code: "payload_too_large" },
  { name: "truncated JSON", method: "POST", path: "/api/workers", as: "operator", body: { raw: '{"type": "gene', type: "application/json" }, status: 400, code: "bad_request" },
  { name: "a JSON array", method: "POST", path: "/api/workers", as: "operator", body: { raw: "[]", type: "application/json" }, status: 400, code: "bad_request" },
  { name: "JSON null", method: "POST", path: "/api/workers", as: "operator", body: { raw: "null", type: "application/json" }, status: 400, code: "bad_request" },
  { name: "10,000 nested arrays", method: "POST", path: "/api/plans", as: "operator", body: { raw: "[".repeat(10_000) + "]".repeat(10_000), type: "application/json" }, status: 400, code: "bad_request" },
  { name: "text/plain body", method: "POST", path: "/api/workers", as: "operator", body: { raw: '{"type":"generic"}', type: "text/plain" }, status: 415, code: "unsupported_media_type" },
  { name: "form body", method: "POST", path: "/api/workers", as: "operator", body: { raw: "type=generic", type: "application/x-www-form-urlencoded" }, status: 415, code: "unsupported_media_type" },
  { name: "multipart body", method: "PUT", path: "/api/workers/scale", as: "operator", body: { raw: "--x\r\n\r\n--x--", type: "multipart/form-data; boundary=x" }, status: 415, code: "unsupported_media_type" },
  { name: "sign-in as text/plain", method: "POST", path: "/api/auth/login", as: "anonymous", body: { raw: '{"username":"admin","password":"x"}', type: "text/plain" }, status: 415, code: "unsupported_media_type" },
  { name: "sign-in with malformed JSON", method: "POST", path: "/api/auth/login", as: "anonymous", body: { raw: '{"username":', type: "application/json" }, status: 400, code: "bad_request" },
  { name: "sign-in with a 200-character name", method: "POST", path: "/api/auth/login", as: "anonymous", body: { json: { username: "a".repeat(200), password: "x" } }, status: 400, code: "bad_request" },
  { name: "a body on a route that takes none", method: "POST", path: "/api/rollback-to-single-process", as: "operator", body: { json: { now: true } }, status: 400, code: "bad_request" },
  // Plans and restores.
  { name: "plan an unknown intent", method: "POST", path: "/api/plans", as: "operator", body: { json: { intent: { kind: "format_disk" } } }, status: 400, code: "bad_request" },
  { name: "plan a traversal worker removal", method: "POST", path: "/api/plans", as: "operator", body: { json: { intent: { kind: "remove_worker", name: "../../root" } } }, status: 400, code: "bad_request" },
  { name: "plan a restore of a huge id", method: "POST", path: "/api/plans", as: "operator", body: { json: { intent: { kind: "restore", operationId: "x".repeat(5000), point: "before" } } }, status: 400, code: "bad_request" },
  { name: "restore to a point that does not exist", method: "POST", path: "/api/history/nosuchop/restore", as: "operator", body: { json: { point: "middle" } }, status: 400, code: "bad_request" },
  { name: "restore an unknown operation", method: "POST", path: "/api/history/nosuchop/restore", as: "operator", body: { json: { point: "before" } }, status: 404, code: "not_found" },
  // History and operations.
  ...["limit=0", "limit=201", "limit=-5", "limit=abc", `before=${"x".repeat(200)}`].map((q, i): Probe => ({ name: `history query #${i + 1} (${q.slice(0, 12)})`, method: "GET", path: `/api/history?${q}`, as: "viewer", status: 400, code: "bad_request" })),
  { name: "history entry by traversal", method: "GET", path: `/api/history/${seg("../../etc/passwd")}`, as: "viewer", status: 404, code: "not_found" },
  { name: "operation by traversal", method: "GET", path: `/api/operations/${seg("../../../../etc/shadow")}`, as: "viewer", status: 404, code: "not_found" },
  // Logs: absurd bounds, traversal, unknown parameters, catastrophic patterns.
  ...["tail=10001", "tail=-1", "tail=1e9", "since=garbage", "since=9999999d", "until=yesterday", "since=1m&until=2h", "bogus=1", "tail=1&tail=2", `q=${"a".repeat(600)}`, `workers=${Array.from({ length: 300 }, (_, i) => `w${i}`).join(",")}`].map(
    (q, i): Probe => ({ name: `log query #${i + 1} (${q.slice(0, 16)})`, method: "GET", path: `/api/logs?${q}`, as: "viewer", status: 400, code: "bad_request" }),
  ),
  { name: "logs of a traversal worker", method: "GET", path: `/api/workers/${seg("../../etc/passwd")}/logs?tail=1`, as: "viewer", status: 404, code: "not_found" },
  { name: "logs of a type that does not exist", method: "GET", path: "/api/logs?workers=type:evil&tail=1", as: "viewer", status: 400, code: "bad_request" },
  { name: "a backreference (linear engines refuse it)", method: "GET", path: `/api/workers/main/logs?tail=100&regex=1&q=${seg("(a)\\1")}`, as: "viewer", status: 400, code: "bad_request" },
  ...catastrophic.map((p, i): Probe => ({ name: `catastrophic regex #${i + 1} (${p})`, method: "GET", path: `/api/workers/main/logs?tail=2000&regex=1&q=${seg(p)}`, as: "viewer", status: 200 })),
  // Config files: traversal, absolute paths, keys.
  ...["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fshadow", "workers%2F..%2F..%2Froot%2F.ssh%2Fid_rsa", "x%00y"].map(
    (p, i): Probe => ({ name: `config file traversal #${i + 1}`, method: "GET", path: `/api/config/files/${p}`, as: "viewer", status: 400, code: "bad_request" }),
  ),
  { name: "config: the signing key is never served", method: "GET", path: "/api/config/files/fleet.test.signing.key", as: "viewer", status: 404, code: "not_found" },
  { name: "config: a file outside the managed set", method: "GET", path: "/api/config/files/media_store%2Flocal_content", as: "viewer", status: 404, code: "not_found" },
  // Administration.
  { name: "operator opens the admin area", method: "GET", path: "/api/admin/users", as: "operator", status: 403, code: "forbidden" },
  { name: "operator reveals compose secrets", method: "GET", path: "/api/export/compose/secrets", as: "operator", status: 403, code: "forbidden" },
  { name: "viewer exports compose", method: "GET", path: "/api/export/compose", as: "viewer", status: 403, code: "forbidden" },
  { name: "add a user with a traversal name", method: "POST", path: "/api/admin/users", as: "admin", body: { json: { username: "../admin", role: "viewer" } }, status: 400, code: "bad_request" },
  { name: "add a user with a role that does not exist", method: "POST", path: "/api/admin/users", as: "admin", body: { json: { username: "mallory", role: "root" } }, status: 400, code: "bad_request" },
  { name: "add a user with a short password", method: "POST", path: "/api/admin/users", as: "admin", body: { json: { username: "mallory", role: "viewer", password: "short" } }, status: 400, code: "bad_request" },
  { name: "a token with a 500-character name", method: "POST", path: "/api/admin/tokens", as: "admin", body: { json: { name: "t".repeat(500), role: "viewer" } }, status: 400, code: "bad_request" },
  { name: "promote a user that does not exist", method: "PATCH", path: "/api/admin/users/nobody", as: "admin", body: { json: { role: "admin" } }, status: 404, code: "not_found" },
  { name: "revoke a token that does not exist", method: "DELETE", path: "/api/admin/tokens/nosuchtoken", as: "admin", status: 404, code: "not_found" },
  { name: "audit query out of bounds", method: "GET", path: "/api/admin/audit?limit=100000", as: "admin", status: 400, code: "bad_request" },
  // Credentials.
  { name: "a forged token", method: "GET", path: "/api/topology", as: "anonymous", headers: { Authorization: "Bearer sf_" + "A".repeat(43) }, status: 401, code: "unauthorized" },
  { name: "a malformed Authorization header", method: "GET", path: "/api/topology", as: "anonymous", headers: { Authorization: "Basic YWRtaW46YWRtaW4=" }, status: 401, code: "unauthorized" },
  { name: "a session cookie that was never issued", method: "GET", path: "/api/topology", as: "anonymous", headers: { Cookie: "fleet_session=" + "x".repeat(43) }, status: 401, code: "unauthorized" },
];
