import { describe, expect, it } from "vitest";
import { unit } from "./fake-context";
import { resolveHost } from "./resolve-host";

const main = unit("lab_synapse_1", { networks: [{ name: "lab_default", ip: "172.18.0.5" }] });
const redis = unit("lab_redis_1", { labels: { "com.docker.compose.service": "redis" }, networks: [{ name: "lab_default", ip: "172.18.0.3" }] });
const pg = unit("lab_postgres_1", { networks: [{ name: "lab_default", ip: "172.18.0.2" }] });
const elsewhere = unit("other_redis", { labels: { "com.docker.compose.service": "redis" }, networks: [{ name: "other", ip: "10.9.0.2" }] });
const aliases = async (id: string) => (id === pg.id ? [{ name: "lab_default", aliases: ["postgres", "db"] }] : []);

describe("resolving homeserver.yaml's host names", () => {
  it("finds the container by compose service or alias on main's network, not on another network", async () => {
    const units = [elsewhere, main, redis, pg];
    expect(await resolveHost("redis", { anchor: main, units, aliasesOf: aliases })).toMatchObject({ address: "172.18.0.3", container: { name: "lab_redis_1" } });
    expect(await resolveHost("db", { anchor: main, units, aliasesOf: aliases })).toMatchObject({ address: "172.18.0.2", container: { name: "lab_postgres_1" } });
  });

  it("a stopped container has no address; an unknown name is tried as a host name; an IP is itself", async () => {
    const stopped = { ...redis, state: "exited", networks: [{ name: "lab_default", ip: "" }] };
    const r = await resolveHost("redis", { anchor: main, units: [main, stopped], aliasesOf: aliases });
    expect(r).toMatchObject({ address: null, container: { name: "lab_redis_1", state: "exited" } });
    expect(r.how).toBe("redis is the container lab_redis_1, which is exited");
    expect(await resolveHost("cache.example", { anchor: main, units: [main], aliasesOf: aliases })).toMatchObject({ address: "cache.example", container: null });
    expect(await resolveHost("172.18.0.3", { anchor: main, units: [main, redis], aliasesOf: aliases })).toMatchObject({ address: "172.18.0.3", container: { name: "lab_redis_1" } });
  });
});
