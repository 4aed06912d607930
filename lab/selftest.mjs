#!/usr/bin/env node
// Self-test of the running lab (no dependencies; Node 20+).
//   node lab/selftest.mjs [--mode workers|single] [--config DIR]
// Prints one line per check and a final "N passed, N failed"; exits 1 on failure.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configDir = argValue('--config') ?? process.env.SYNAPSE_CONFIG_DIR ?? join(here, '.state', 'config');
const SERVER = 'fleet.test';
const MAIN = 'http://localhost:8008';
// The public entrypoint (nginx, public_baseurl): routes by the file the dashboard renders.
const ENTRY = process.env.FLEET_LAB_ENTRYPOINT_URL ?? 'http://localhost:8080';
const PROM = process.env.FLEET_PROMETHEUS_URL ?? 'http://localhost:9090';

let passed = 0;
let failed = 0;
const t0 = Date.now();

function line(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` - ${detail}` : ''}`);
}

async function check(name, fn) {
  try {
    const detail = await fn();
    line(true, name, detail);
    return true;
  } catch (err) {
    line(false, name, err?.message ?? String(err));
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function http(base, path, { method = 'GET', token, json, body, headers = {}, timeout = 15000 } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (json !== undefined) {
    h['content-type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  const res = await fetch(base + path, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeout) });
  return res;
}

async function api(base, path, opts = {}) {
  const res = await http(base, path, opts);
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { raw: text };
  }
  if (!res.ok) throw new Error(`${opts.method ?? 'GET'} ${base}${path} -> ${res.status} ${text.slice(0, 200)}`);
  return data;
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------- config --
let homeserver = '';
try {
  homeserver = readFileSync(join(configDir, 'homeserver.yaml'), 'utf8');
} catch (err) {
  console.log(`FAIL read ${configDir}/homeserver.yaml - ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const mode = argValue('--mode') ?? (/^instance_map:/m.test(homeserver) ? 'workers' : 'single');
const secretMatch = homeserver.match(/^registration_shared_secret:\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/m);
const sharedSecret = secretMatch ? (secretMatch[1] !== undefined ? JSON.parse(`"${secretMatch[1]}"`) : secretMatch[2] ?? secretMatch[3]) : undefined;

const GENERIC = mode === 'workers' ? 'http://localhost:8009' : MAIN;
const MEDIA = mode === 'workers' ? 'http://localhost:8010' : MAIN;
const processes =
  mode === 'workers'
    ? [
        ['main', MAIN],
        ['generic_worker1', GENERIC],
        ['media_worker', MEDIA],
      ]
    : [['main', MAIN]];
const metricsWorkers = mode === 'workers' ? ['main', 'generic_worker1', 'media_worker', 'federation_sender1'] : ['main'];

console.log(`# lab selftest, mode ${mode}, config ${configDir}`);

// ---------------------------------------------------------------- health --
for (const [name, base] of processes) {
  await check(`health ${name} (${base}/health)`, async () => {
    const res = await http(base, '/health');
    const text = await res.text();
    assert(res.status === 200, `status ${res.status}`);
    return text.trim();
  });
}

// ---------------------------------------------------------- registration --
async function register(localpart, password) {
  const { nonce } = await api(MAIN, '/_synapse/admin/v1/register');
  const mac = createHmac('sha1', sharedSecret)
    .update(`${nonce}\0${localpart}\0${password}\0notadmin`)
    .digest('hex');
  return api(MAIN, '/_synapse/admin/v1/register', {
    method: 'POST',
    json: { nonce, username: localpart, password, admin: false, mac },
  });
}

const suffix = randomBytes(4).toString('hex');
const users = {
  a: { localpart: `selftest_a_${suffix}`, password: randomBytes(12).toString('hex') },
  b: { localpart: `selftest_b_${suffix}`, password: randomBytes(12).toString('hex') },
};
for (const u of Object.values(users)) u.userId = `@${u.localpart}:${SERVER}`;

const registered = await check('register two users (shared-secret admin API on main)', async () => {
  assert(sharedSecret, 'registration_shared_secret not found in homeserver.yaml');
  for (const u of Object.values(users)) {
    const r = await register(u.localpart, u.password);
    assert(r.user_id === u.userId, `unexpected user_id ${r.user_id}`);
    u.token = r.access_token;
  }
  return `${users.a.userId}, ${users.b.userId}`;
});

// ------------------------------------------------------- login / whoami ---
let loggedIn = false;
if (registered) {
  loggedIn = await check(`login + whoami through ${mode === 'workers' ? 'generic worker' : 'main'} (${GENERIC})`, async () => {
    const r = await api(GENERIC, '/_matrix/client/v3/login', {
      method: 'POST',
      json: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: users.a.localpart },
        password: users.a.password,
        initial_device_display_name: 'lab selftest',
      },
    });
    assert(r.access_token, 'no access_token');
    users.a.token = r.access_token;
    const who = await api(GENERIC, '/_matrix/client/v3/account/whoami', { token: users.a.token });
    assert(who.user_id === users.a.userId, `whoami says ${who.user_id}`);
    return `${who.user_id} device ${who.device_id}`;
  });
}

// ------------------------------------------------ typing over replication --
if (loggedIn) {
  const label =
    mode === 'workers'
      ? 'typing via generic worker (stream writer) seen in /sync on main (Redis replication)'
      : 'typing seen in /sync on main';
  await check(label, async () => {
    const { room_id: roomId } = await api(GENERIC, '/_matrix/client/v3/createRoom', {
      method: 'POST',
      token: users.a.token,
      json: { preset: 'private_chat', name: `selftest ${suffix}` },
    });
    const enc = encodeURIComponent;
    await api(GENERIC, `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
      method: 'POST',
      token: users.a.token,
      json: { user_id: users.b.userId },
    });
    await api(GENERIC, `/_matrix/client/v3/join/${enc(roomId)}`, { method: 'POST', token: users.b.token, json: {} });

    // B's initial sync on main (filter varied per request to dodge the sync cache)
    let n = 0;
    const filter = () => enc(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 1 + (n++ % 50) } } }));
    const first = await api(MAIN, `/_matrix/client/v3/sync?timeout=0&filter=${filter()}`, { token: users.b.token });
    let since = first.next_batch;

    await api(GENERIC, `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(users.a.userId)}`, {
      method: 'PUT',
      token: users.a.token,
      json: { typing: true, timeout: 30000 },
    });
    const started = Date.now();
    while (Date.now() - started < 30000) {
      const s = await api(MAIN, `/_matrix/client/v3/sync?timeout=5000&since=${enc(since)}&filter=${filter()}`, {
        token: users.b.token,
        timeout: 20000,
      });
      since = s.next_batch ?? since;
      const events = s.rooms?.join?.[roomId]?.ephemeral?.events ?? [];
      const typing = events.find((e) => e.type === 'm.typing');
      if (typing?.content?.user_ids?.includes(users.a.userId)) {
        return `${roomId} in ${Date.now() - started} ms`;
      }
    }
    throw new Error('B did not see A typing within 30 s');
  });
}

// ------------------------------------------------------------------ media --
if (registered) {
  await check(`media upload + download through ${mode === 'workers' ? 'media worker' : 'main'} (${MEDIA})`, async () => {
    const bytes = randomBytes(4096 + Math.floor(Math.random() * 4096));
    const up = await api(MEDIA, `/_matrix/media/v3/upload?filename=selftest-${suffix}.bin`, {
      method: 'POST',
      token: users.a.token,
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const m = /^mxc:\/\/([^/]+)\/(.+)$/.exec(up.content_uri ?? '');
    assert(m, `bad content_uri ${up.content_uri}`);
    const res = await http(MEDIA, `/_matrix/client/v1/media/download/${m[1]}/${m[2]}`, { token: users.b.token });
    assert(res.status === 200, `download status ${res.status}`);
    const got = Buffer.from(await res.arrayBuffer());
    assert(got.equals(bytes), `downloaded ${got.length} bytes differ from the ${bytes.length} uploaded`);
    return `${up.content_uri} (${bytes.length} bytes)`;
  });
  if (mode === 'workers') {
    // The media worker logs to a file (media_worker.log.config), not the console: its access line
    // for the upload above is in the file within a few seconds.
    await check('media worker logs to its file (logs/media_worker.log)', async () => {
      const file = join(configDir, 'logs', 'media_worker.log');
      const started = Date.now();
      while (Date.now() - started < 10000) {
        let text = '';
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          if (err.code !== 'ENOENT') throw err;
        }
        if (text.split('\n').some((l) => l.includes('synapse.access.http.8010') && l.includes(`selftest-${suffix}.bin`))) {
          return `upload's access line there after ${Date.now() - started} ms`;
        }
        await sleep(250);
      }
      throw new Error(`no access line for selftest-${suffix}.bin in ${file} within 10 s`);
    });
  }
}

// ------------------------------------------------------------- entrypoint --
/** Requests a process has counted for these servlets, as Prometheus last scraped them. */
async function served(worker, servlets) {
  const q = `sum(synapse_http_server_requests_received_total{worker="${worker}",servlet=~"${servlets.join('|')}"})`;
  const r = await api(PROM, `/api/v1/query?query=${encodeURIComponent(q)}`);
  return Number(r.data?.result?.[0]?.value?.[1] ?? 0);
}

/** served(), read from a scrape taken after this call: earlier requests are all in it. */
async function servedNow(worker, servlets) {
  const since = Date.now() / 1000;
  const q = encodeURIComponent(`timestamp(up{worker="${worker}"})`);
  for (let tries = 0; tries < 30; tries++) {
    const r = await api(PROM, `/api/v1/query?query=${q}`);
    if (Number(r.data?.result?.[0]?.value?.[1] ?? 0) > since) return served(worker, servlets);
    await sleep(500);
  }
  throw new Error(`Prometheus has not scraped ${worker} for 15 s`);
}

/** Waits (scrapes are 5 s apart) until `worker`'s count for `servlets` reaches `target`; returns the wait. */
async function countReaches(worker, servlets, target) {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started < 30000) {
    last = await served(worker, servlets);
    if (last >= target) return Date.now() - started;
    await sleep(1000);
  }
  throw new Error(`${worker} counted ${last} ${servlets.join('/')} request(s), not ${target}, within 30 s: the entrypoint did not send them there`);
}

await check(`health through the entrypoint (${ENTRY}/health)`, async () => {
  const res = await http(ENTRY, '/health');
  assert(res.status === 200, `status ${res.status}`);
  return (await res.text()).trim();
});

if (registered) {
  const clientWorker = mode === 'workers' ? 'generic_worker1' : 'main';
  const mediaWorker = mode === 'workers' ? 'media_worker' : 'main';
  // Both at once: each waits for a scrape before and after (5 s apart).
  await Promise.all([
    check(`login + /sync through the entrypoint served by ${clientWorker} (Prometheus counters)`, async () => {
      const servlets = ['LoginRestServlet', 'SyncRestServlet'];
      const before = await servedNow(clientWorker, servlets);
      const r = await api(ENTRY, '/_matrix/client/v3/login', {
        method: 'POST',
        json: { type: 'm.login.password', identifier: { type: 'm.id.user', user: users.b.localpart }, password: users.b.password },
      });
      assert(r.access_token, 'no access_token');
      const s = await api(ENTRY, '/_matrix/client/v3/sync?timeout=0', { token: r.access_token });
      assert(s.next_batch, 'no next_batch in the /sync answer');
      const waited = await countReaches(clientWorker, servlets, before + 2);
      return `${clientWorker} counted both (seen after ${waited} ms)`;
    }),
    check(`media upload through the entrypoint lands on ${mediaWorker}`, async () => {
      const before = await servedNow(mediaWorker, ['UploadServlet']);
      const bytes = randomBytes(2048);
      const up = await api(ENTRY, `/_matrix/media/v3/upload?filename=entry-${suffix}.bin`, {
        method: 'POST',
        token: users.b.token,
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
      const m = /^mxc:\/\/([^/]+)\/(.+)$/.exec(up.content_uri ?? '');
      assert(m, `bad content_uri ${up.content_uri}`);
      const res = await http(ENTRY, `/_matrix/client/v1/media/download/${m[1]}/${m[2]}`, { token: users.a.token });
      assert(res.status === 200, `download status ${res.status}`);
      assert(Buffer.from(await res.arrayBuffer()).equals(bytes), 'downloaded bytes differ from the upload');
      const waited = await countReaches(mediaWorker, ['UploadServlet'], before + 1);
      return `${up.content_uri} counted by ${mediaWorker} (seen after ${waited} ms)`;
    }),
  ]);
}

// ------------------------------------------------------------- prometheus --
await check(`prometheus up == 1 for ${metricsWorkers.join(', ')}`, async () => {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < 60000) {
    try {
      // Targets carry job/index (the stock Grafana dashboard's legends) and worker: main is synapse-1.
      const q = encodeURIComponent('up{worker!=""}');
      const r = await api(PROM, `/api/v1/query?query=${q}`);
      const series = r.data?.result ?? [];
      const byWorker = new Map(series.map((s) => [s.metric.worker, s.value[1]]));
      const missing = metricsWorkers.filter((w) => byWorker.get(w) !== '1');
      const pairs = series.map((s) => `${s.metric.job}-${s.metric.index}`);
      const main = series.find((s) => s.metric.worker === 'main')?.metric;
      if (missing.length === 0) {
        assert(new Set(pairs).size === pairs.length && !pairs.some((p) => p.includes('undefined')), `job-index pairs not one per process: ${pairs.join(', ')}`);
        assert(main?.job === 'synapse' && main?.index === '1', `main is labelled ${main?.job}-${main?.index}, not synapse-1`);
        return `${metricsWorkers.length} target(s) up after ${Date.now() - started} ms as ${pairs.sort().join(', ')}`;
      }
      last = `not up: ${missing.join(', ')}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(2000);
  }
  throw new Error(last);
});

console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
