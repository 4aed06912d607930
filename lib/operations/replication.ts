import "server-only";
import { ContainerRunner } from "@/lib/docker/containers";
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
  const runner = new ContainerRunner();
  const anchor = d.drafts.find((p) => p.type === "main" && p.unit)?.unit ?? null;
  const where = await resolveHost(redis.host, { anchor, units: d.units, aliasesOf: async (id) => (await runner.specOf(id)).networks });
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
