import { CannotRun, requireDocker, running, pass, type Check, type DiagnosticsContext, type CheckOutcome } from "./model";
import { connectRedis, RedisReplyError, type RedisSession } from "./redis-client";

/**
 * Redis carries replication between main and the workers. Every Synapse process subscribes to the
 * channel named after server_name, so `PUBSUB NUMSUB <server_name>` must equal the number of
 * running processes; CLIENT LIST's subscriber addresses name the ones that are missing.
 */

const RESTART_FIX = "Every process must reach Redis with homeserver.yaml's redis.host, port and password. Read the missing process's log for Redis errors; restart it if it does not reconnect by itself.";

/** The client addresses (IP) of connections that hold at least one channel subscription. */
export function subscriberAddresses(clientList: string): Set<string> {
  const out = new Set<string>();
  for (const line of clientList.split("\n")) {
    const fields = new Map(line.trim().split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
    const addr = fields.get("addr");
    if (!addr || Number(fields.get("sub") ?? 0) < 1) continue;
    out.add(addr.slice(0, addr.lastIndexOf(":")).replace(/^\[|\]$/g, ""));
  }
  return out;
}

async function measure(ctx: DiagnosticsContext, session: RedisSession, evidence: string[]): Promise<CheckOutcome> {
  const s = ctx.connections!.redis;
  if (s.password) {
    try {
      await session.command("AUTH", s.password);
      evidence.push("Redis AUTH with homeserver.yaml's redis section accepted");
    } catch (err) {
      if (!(err instanceof RedisReplyError)) throw err;
      evidence.push(`Redis AUTH with homeserver.yaml's redis section refused (${err.message.split(" ")[0]})`);
      return { status: "fail", evidence, fix: "redis.password in homeserver.yaml must be the password Redis requires (its requirepass); correct one of them and restart every Synapse process." };
    }
  } else if (s.passwordPath) {
    evidence.push(`redis.password_path is set: the dashboard does not read files inside the containers, so it connects without AUTH`);
  }
  try {
    const pong = await session.command("PING");
    evidence.push(`PING: ${String(pong)}`);
  } catch (err) {
    if (!(err instanceof RedisReplyError)) throw err;
    if (s.passwordPath && !s.password) throw new CannotRun(`Redis wants a password that only redis.password_path gives (${err.message.split(" ")[0]})`);
    evidence.push(`PING: ${err.message}`);
    return { status: "fail", evidence, fix: "Redis requires a password: set redis.password in homeserver.yaml to its requirepass and restart every Synapse process." };
  }
  const channel = ctx.serverName!;
  const numsub = (await session.command("PUBSUB", "NUMSUB", channel)) as unknown[];
  const count = Number(numsub?.[1] ?? 0);
  const expected = running(ctx);
  evidence.push(`PUBSUB NUMSUB ${channel}: ${count}; running Synapse processes: ${expected.length}`);
  if (count === expected.length) return pass(evidence);

  let subscribers: Set<string> | null = null;
  try {
    subscribers = subscriberAddresses(String(await session.command("CLIENT", "LIST")));
  } catch (err) {
    if (!(err instanceof RedisReplyError)) throw err;
    evidence.push(`CLIENT LIST is refused (${err.message.split(" ")[0]}): which processes are missing is not known`);
  }
  if (count > expected.length) {
    evidence.push("more subscribers than running processes: a process of another deployment with the same server_name, or one the dashboard does not see");
    return { status: "warn", evidence, fix: "Find the extra subscriber in Redis's CLIENT LIST; two deployments must not share one Redis with the same server_name." };
  }
  const missing = subscribers ? expected.filter((p) => !p.unit?.networks.some((n) => subscribers.has(n.ip))) : [];
  for (const p of missing) evidence.push(`${p.name} is running but not subscribed to ${channel}`);
  return { status: "fail", evidence, fix: RESTART_FIX, ...(missing[0] ? { process: missing[0].name } : {}) };
}

export const redisCheck: Check = {
  id: "redis",
  title: "Redis replication",
  async run(ctx) {
    const s = ctx.connections?.redis;
    if (!s) throw new CannotRun(`homeserver.yaml cannot be read: ${ctx.hsError ?? "not found"}`);
    const workers = ctx.processes.filter((p) => p.type !== "main" && p.unit);
    if (!s.enabled) {
      if (workers.length === 0) return pass(["redis.enabled is not true and no worker runs: a single process needs no Redis"]);
      return {
        status: "fail",
        evidence: [`redis.enabled is not true, but ${workers.length} worker${workers.length === 1 ? "" : "s"} exist: workers cannot replicate`],
        fix: "Set redis.enabled: true (with host, port and password) in homeserver.yaml, then restart every Synapse process.",
      };
    }
    if (!ctx.serverName) throw new CannotRun("homeserver.yaml has no server_name: the replication channel is named after it");
    requireDocker(ctx);
    const where = await ctx.resolveHost(s.host);
    const evidence = [`redis.host ${s.host}, port ${s.port}: ${where.how}`];
    if (!where.address) {
      return {
        status: "fail",
        evidence: [...evidence, "no Synapse process can replicate while Redis is down"],
        fix: `Start Redis (docker start ${where.container?.name ?? s.host}); Synapse reconnects by itself within seconds.`,
      };
    }
    let session: RedisSession;
    try {
      session = await connectRedis(where.address, s.port, ctx.signal);
    } catch (err) {
      evidence.push(`cannot connect to ${where.address}:${s.port}: ${(err as Error).message}`);
      return { status: "fail", evidence, fix: `Make Redis listen on port ${s.port} of ${s.host}, or point redis.host and redis.port in homeserver.yaml at it.` };
    }
    try {
      return await measure(ctx, session, evidence);
    } finally {
      session.close();
    }
  },
};
