import "server-only";
import { docker } from "@/lib/docker/client";
import { RuntimeRunner } from "@/lib/docker/runner";
import { execInContainer } from "@/lib/docker/exec";
import { nodeEngine } from "@/lib/docker/swarm/mode";
import { connectionSettings } from "@/lib/diagnostics/connection-settings";
import { subscriberAddresses } from "@/lib/diagnostics/redis";
import { connectRedis } from "@/lib/diagnostics/redis-client";
import { resolveHost } from "@/lib/diagnostics/resolve-host";
import { readConfigFile } from "@/lib/fs/safe";
import { logSafely } from "@/lib/log";
import type { discoverDrafts } from "@/lib/topology/discover";
import { configDir } from "@/lib/topology/config-files";

type Discovered = Awaited<ReturnType<typeof discoverDrafts>>;

/**
 * A worker that answers /health but is not subscribed to Redis replication does not work: it
 * serves stale data and its writes reach no one. So a health wait asks Redis which addresses hold a
 * subscription (CLIENT LIST), as Synapse's processes each subscribe to the server_name channel.
 * Resolves to null when homeserver.yaml enables no Redis (a single process needs none) or the
 * question cannot be asked (the config unreadable, a password only in a file inside the
 * containers); to an empty set when Redis is down or refuses the configured password, since then
 * no one replicates.
 */
export async function replicationSubscribers(d: Discovered, timeoutMs = 2_000): Promise<Set<string> | null> {
  const dir = configDir();
  const text = dir ? (await readConfigFile(dir, "homeserver.yaml").catch(() => null))?.data.toString("utf8") : undefined;
  if (!text) return null;
  let redis;
  try {
    redis = connectionSettings(text).redis;
  } catch {
    return null;
  }
  if (!redis.enabled || (redis.passwordPath && !redis.password)) return null;
  const runner = new RuntimeRunner();
  const anchor = d.drafts.find((p) => p.type === "main" && p.unit)?.unit ?? null;
  const where = await resolveHost(redis.host, { anchor, units: d.units, aliasesOf: async (id) => (await runner.specOf(id)).networks });
  const unit = where.container ? d.units.find((u) => u.id === where.container?.id) : undefined;
  if (unit?.swarm) return swarmSubscribers(unit.swarm, redis, timeoutMs);
  if (!where.address) return new Set();
  const signal = AbortSignal.timeout(timeoutMs);
  let session;
  try {
    session = await connectRedis(where.address, redis.port, signal);
  } catch {
    return new Set();
  }
  try {
    if (redis.password) {
      try {
        await session.command("AUTH", redis.password);
      } catch (err) {
        // Synapse's processes log in with this same password: refused for us, refused for them.
        logSafely("[operations] Redis refused the password in homeserver.yaml:", err);
        return new Set();
      }
    }
    return subscriberAddresses(String(await session.command("CLIENT", "LIST")));
  } catch (err) {
    // CLIENT LIST refused (renamed away): nothing can be said, so nothing is held against the workers.
    logSafely("[operations] asking Redis for its subscribers failed:", err);
    return null;
  } finally {
    session.close();
  }
}

/**
 * On a swarm, Redis's overlay address is not reachable from a dashboard off the overlay: Redis is
 * asked from inside its own task container instead (`redis-cli CLIENT LIST` on its node's engine,
 * the password in the environment, never on the argv). Null when no engine of that node is
 * configured (FLEET_SWARM_NODE_ENGINES) or the task has no container yet: nothing can be said.
 */
async function swarmSubscribers(
  swarm: NonNullable<Discovered["units"][number]["swarm"]>,
  redis: { port: number; password: string | null },
  timeoutMs: number,
): Promise<Set<string> | null> {
  const api = swarm.node ? nodeEngine(swarm.node.hostname) : null;
  if (!api || !swarm.task) return null;
  if (swarm.task.state !== "running") return new Set();
  try {
    const task = (await docker().getTask(swarm.task.id).inspect()) as { Status?: { ContainerStatus?: { ContainerID?: string } } };
    const container = task.Status?.ContainerStatus?.ContainerID;
    if (!container) return null;
    const env = redis.password ? [`REDISCLI_AUTH=${redis.password}`] : [];
    const res = await execInContainer(container, ["redis-cli", "-h", "127.0.0.1", "-p", String(redis.port), "--no-auth-warning", "CLIENT", "LIST"], timeoutMs, { api, env });
    // Refused the password: Synapse's processes log in with the same one, so no one replicates.
    if (/NOAUTH|WRONGPASS|invalid password/i.test(res.output)) return new Set();
    if (res.exitCode !== 0) return null;
    return subscriberAddresses(res.output);
  } catch (err) {
    logSafely("[operations] asking Redis in its task container for its subscribers failed:", err);
    return null;
  }
}
