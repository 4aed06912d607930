#!/usr/bin/env node
// HTTP checks of the swarm lab (no dependencies; Node 20+), run by `swarm.sh selftest`:
//   node lab/swarm/selftest.mjs --config DIR --main URL --generic URL --media URL --prom URL
//        [--only login] [--nodes worker=node,...]
// Every URL is a node's address and a task's host-mode port. Prints one line per check and
// "N passed, N failed" last; exits 1 on a failure.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && args[i + 1]) return args[i + 1];
  if (fallback !== undefined) return fallback;
  console.error(`missing --${name}`);
  process.exit(2);
}
const configDir = option('config');
const MAIN = option('main');
const GENERIC = option('generic');
const MEDIA = option('media', '');
const PROM = option('prom', '');
const only = option('only', 'all');
// worker=node pairs Prometheus' targets must carry (their `node` label from dockerswarm_sd)
const expectedNodes = new Map(
  option('nodes', '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=')),
);
const SERVER = 'fleet.test';

let passed = 0;
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok   ${name}${detail ? ` - ${detail}` : ''}`);
    return true;
  } catch (err) {
    failed++;
    console.log(`FAIL ${name} - ${err?.message ?? String(err)}`);
    return false;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** A JSON request; throws with the status and the start of the body on anything but 2xx. */
async function api(base, path, { method = 'GET', token, json, body, headers = {}, timeout = 15000 } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (json !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers: h,
    body: json !== undefined ? JSON.stringify(json) : body,
    signal: AbortSignal.timeout(timeout),
  });
  if (!res.ok) throw new Error(`${method} ${base}${path} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
  const type = res.headers.get('content-type') ?? '';
  return type.includes('json') ? res.json() : Buffer.from(await res.arrayBuffer());
}

const homeserver = readFileSync(join(configDir, 'homeserver.yaml'), 'utf8');
const secret = /^registration_shared_secret:\s*["']?([^"'\n]+)["']?\s*$/m.exec(homeserver)?.[1];
assert(secret, `no registration_shared_secret in ${configDir}/homeserver.yaml`);

/** A new user through main's shared-secret admin API (HMAC-SHA1 over nonce, name, password). */
async function register(localpart, password) {
  const { nonce } = await api(MAIN, '/_synapse/admin/v1/register');
  const mac = createHmac('sha1', secret).update(`${nonce}\0${localpart}\0${password}\0notadmin`).digest('hex');
  return api(MAIN, '/_synapse/admin/v1/register', {
    method: 'POST',
    json: { nonce, username: localpart, password, admin: false, mac },
  });
}

async function login(base, user) {
  const r = await api(base, '/_matrix/client/v3/login', {
    method: 'POST',
    json: { type: 'm.login.password', identifier: { type: 'm.id.user', user: user.localpart }, password: user.password },
  });
  assert(r.access_token, 'no access_token');
  const who = await api(base, '/_matrix/client/v3/account/whoami', { token: r.access_token });
  assert(who.user_id === user.userId, `whoami says ${who.user_id}`);
  return r.access_token;
}

const suffix = randomBytes(4).toString('hex');
const newUser = (tag) => {
  const localpart = `swarmtest_${tag}_${suffix}`;
  return { localpart, userId: `@${localpart}:${SERVER}`, password: randomBytes(12).toString('hex') };
};
const enc = encodeURIComponent;

const processes = only === 'login' ? [['generic_worker1', GENERIC]] : [['main', MAIN], ['generic_worker1', GENERIC], ['media_worker', MEDIA]];
for (const [name, base] of processes) {
  await check(`health ${name} (${base}/health)`, async () => {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10000) });
    assert(res.status === 200, `status ${res.status}`);
    return (await res.text()).trim();
  });
}

const a = newUser('a');
const b = newUser('b');
const registered = await check('register two users through main (shared-secret admin API)', async () => {
  for (const u of only === 'login' ? [a] : [a, b]) {
    const r = await register(u.localpart, u.password);
    assert(r.user_id === u.userId, `unexpected user_id ${r.user_id}`);
    u.token = r.access_token;
  }
  return only === 'login' ? a.userId : `${a.userId}, ${b.userId}`;
});

const loggedIn =
  registered &&
  (await check(`login + whoami through the generic worker (${GENERIC})`, async () => {
    a.token = await login(GENERIC, a);
    return a.userId;
  }));

if (loggedIn && only !== 'login') {
  let roomId;
  // B syncs on main; each request varies its filter so Synapse's sync cache cannot answer it.
  let n = 0;
  const filter = () => enc(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 1 + (n++ % 50) } } }));
  /** Waits (30 s) for B's /sync on main to show what `found` looks for in the room. */
  async function seenOnMain(since, found) {
    const started = Date.now();
    while (Date.now() - started < 30000) {
      const s = await api(MAIN, `/_matrix/client/v3/sync?timeout=5000&since=${enc(since)}&filter=${filter()}`, { token: b.token, timeout: 20000 });
      since = s.next_batch ?? since;
      if (found(s.rooms?.join?.[roomId])) return Date.now() - started;
    }
    throw new Error('not seen on main within 30 s');
  }

  await check('typing via the generic worker (node2, stream writer) seen in /sync on main (Redis across nodes)', async () => {
    ({ room_id: roomId } = await api(GENERIC, '/_matrix/client/v3/createRoom', {
      method: 'POST',
      token: a.token,
      json: { preset: 'private_chat', name: `swarm selftest ${suffix}`, invite: [b.userId] },
    }));
    await api(GENERIC, `/_matrix/client/v3/join/${enc(roomId)}`, { method: 'POST', token: b.token, json: {} });
    const first = await api(MAIN, `/_matrix/client/v3/sync?timeout=0&filter=${filter()}`, { token: b.token });
    await api(GENERIC, `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(a.userId)}`, {
      method: 'PUT',
      token: a.token,
      json: { typing: true, timeout: 30000 },
    });
    const ms = await seenOnMain(first.next_batch, (room) =>
      (room?.ephemeral?.events ?? []).some((e) => e.type === 'm.typing' && e.content?.user_ids?.includes(a.userId)),
    );
    return `${roomId} in ${ms} ms`;
  });

  await check('a message sent through the generic worker is read from main', async () => {
    assert(roomId, 'no room (the typing check failed before creating it)');
    const first = await api(MAIN, `/_matrix/client/v3/sync?timeout=0&filter=${filter()}`, { token: b.token });
    const body = `hello from node2 ${suffix}`;
    const { event_id: eventId } = await api(GENERIC, `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${suffix}`, {
      method: 'PUT',
      token: a.token,
      json: { msgtype: 'm.text', body },
    });
    const ms = await seenOnMain(first.next_batch, (room) =>
      (room?.timeline?.events ?? []).some((e) => e.event_id === eventId && e.content?.body === body),
    );
    return `${eventId} in ${ms} ms`;
  });

  await check(`media upload + download through the media worker (${MEDIA})`, async () => {
    const bytes = randomBytes(4096);
    const up = await api(MEDIA, `/_matrix/media/v3/upload?filename=swarm-${suffix}.bin`, {
      method: 'POST',
      token: a.token,
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const m = /^mxc:\/\/([^/]+)\/(.+)$/.exec(up.content_uri ?? '');
    assert(m, `bad content_uri ${up.content_uri}`);
    const got = await api(MEDIA, `/_matrix/client/v1/media/download/${m[1]}/${m[2]}`, { token: b.token });
    assert(Buffer.isBuffer(got) && got.equals(bytes), 'downloaded bytes differ from the upload');
    return up.content_uri;
  });

  await check('prometheus (dockerswarm_sd) scrapes every Synapse task, labelled with its node', async () => {
    const started = Date.now();
    let last = '';
    while (Date.now() - started < 60000) {
      const r = await api(PROM, `/api/v1/query?query=${enc('up{worker!=""}')}`);
      const byWorker = new Map((r.data?.result ?? []).map((s) => [s.metric.worker, s]));
      const wrong = [...expectedNodes].filter(([w, node]) => byWorker.get(w)?.value?.[1] !== '1' || byWorker.get(w)?.metric.node !== node);
      if (wrong.length === 0) return [...expectedNodes].map(([w, node]) => `${w}@${node}`).join(', ');
      last = `not up on their node: ${wrong.map(([w]) => `${w} (${byWorker.get(w)?.metric.node ?? 'no target'})`).join(', ')}`;
      await sleep(2000);
    }
    throw new Error(last);
  });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
