import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** A small Matrix client for the browser tests: what a real user's client would do, against the lab. */

function labConfig(): { secret: string; serverName: string } {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through npm test");
  const hs = parse(fs.readFileSync(path.join(dir, "homeserver.yaml"), "utf8")) as { registration_shared_secret: string; server_name: string };
  return { secret: hs.registration_shared_secret, serverName: hs.server_name };
}

async function call<T>(base: string, urlPath: string, init: { method?: string; token?: string; json?: unknown; body?: Uint8Array; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.body) {
    headers["Content-Type"] = init.contentType ?? "application/octet-stream";
    body = Buffer.from(init.body);
  }
  const res = await fetch(base + urlPath, { method: init.method ?? (body ? "POST" : "GET"), headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${base}${urlPath}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export const MAIN = "http://localhost:8008";

/** Registers a user through main's shared-secret admin API; returns its credentials. */
export async function registerUser(prefix: string): Promise<{ user: string; password: string }> {
  const { secret } = labConfig();
  const user = `${prefix}_${crypto.randomBytes(4).toString("hex")}`;
  const password = crypto.randomBytes(12).toString("hex");
  const { nonce } = await call<{ nonce: string }>(MAIN, "/_synapse/admin/v1/register");
  const mac = crypto.createHmac("sha1", secret).update([nonce, user, password, "notadmin"].join("\0")).digest("hex");
  await call(MAIN, "/_synapse/admin/v1/register", { json: { nonce, username: user, password, admin: false, mac } });
  return { user, password };
}

export async function login(base: string, user: string, password: string): Promise<string> {
  const r = await call<{ access_token: string }>(base, "/_matrix/client/v3/login", {
    json: { type: "m.login.password", identifier: { type: "m.id.user", user }, password },
  });
  return r.access_token;
}

export async function versions(base: string): Promise<string[]> {
  return (await call<{ versions: string[] }>(base, "/_matrix/client/versions")).versions;
}

export async function whoami(base: string, token: string): Promise<string> {
  return (await call<{ user_id: string }>(base, "/_matrix/client/v3/account/whoami", { token })).user_id;
}

/** Uploads bytes; returns the media id (the part after mxc://server/). */
export async function upload(base: string, token: string, bytes: Uint8Array): Promise<string> {
  const r = await call<{ content_uri: string }>(base, "/_matrix/media/v3/upload?filename=fleet.bin", { token, body: bytes });
  return r.content_uri.split("/").pop()!;
}

export async function download(base: string, token: string, mediaId: string): Promise<Uint8Array> {
  const { serverName } = labConfig();
  const res = await fetch(`${base}/_matrix/client/v1/media/download/${serverName}/${mediaId}`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`download ${mediaId} from ${base}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function createRoom(base: string, token: string): Promise<string> {
  return (await call<{ room_id: string }>(base, "/_matrix/client/v3/createRoom", { token, json: { preset: "private_chat" } })).room_id;
}

export async function sendMessage(base: string, token: string, roomId: string, body: string): Promise<string> {
  const txn = crypto.randomBytes(8).toString("hex");
  const r = await call<{ event_id: string }>(base, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, {
    method: "PUT",
    token,
    json: { msgtype: "m.text", body },
  });
  return r.event_id;
}

export async function getEvent(base: string, token: string, roomId: string, eventId: string): Promise<{ content: { body?: string } }> {
  return call(base, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`, { token });
}

/** Says `userId` is typing in `roomId` for `timeoutMs` (PUT …/typing/{userId}); throws with the status if refused. */
export async function setTyping(base: string, token: string, roomId: string, userId: string, timeoutMs = 30_000): Promise<void> {
  await call(base, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(userId)}`, {
    method: "PUT",
    token,
    json: { typing: true, timeout: timeoutMs },
  });
}

export interface SyncResponse {
  next_batch: string;
  rooms?: { join?: Record<string, { ephemeral?: { events: Array<{ type: string; content: { user_ids?: string[] } }> } }> };
}

/** One /sync that returns at once (timeout=0), limited to one room when given: a client's first sync. */
export async function syncOnce(base: string, token: string, roomId?: string): Promise<SyncResponse> {
  const filter = roomId ? `&filter=${encodeURIComponent(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 1 } } }))}` : "";
  return call<SyncResponse>(base, `/_matrix/client/v3/sync?timeout=0${filter}`, { token });
}

/** Who the m.typing event of a sync says is typing in `roomId` (empty when the sync carries none). */
export function typingUserIds(sync: SyncResponse, roomId: string): string[] {
  const events = sync.rooms?.join?.[roomId]?.ephemeral?.events ?? [];
  return events.filter((e) => e.type === "m.typing").flatMap((e) => e.content.user_ids ?? []);
}
