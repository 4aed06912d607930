import "server-only";

interface MainLike {
  address: string | null;
  listeners: Array<{ port: number; type: string; resources: string[] }>;
  container: { id: string; startedAt: string | null } | null;
}

const cache = new Map<string, string | null>();

/** Synapse's version as main reports it on the federation version endpoint; cached per start. */
export async function synapseVersion(main: MainLike | undefined): Promise<string | null> {
  if (!main?.address || !main.container) return null;
  const fed = main.listeners.find((l) => l.type === "http" && l.resources.includes("federation"));
  if (!fed) return null;
  const key = `${main.container.id}@${main.container.startedAt}`;
  if (cache.has(key)) return cache.get(key) ?? null;
  try {
    const res = await fetch(`http://${main.address}:${fed.port}/_matrix/federation/v1/version`, { signal: AbortSignal.timeout(1500) });
    const body = (await res.json()) as { server?: { version?: string } };
    const v = body.server?.version ?? null;
    if (v) cache.set(key, v);
    return v;
  } catch {
    return null;
  }
}
