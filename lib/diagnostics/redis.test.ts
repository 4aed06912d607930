import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fakeContext, proc, unit } from "./fake-context";
import { redisCheck, subscriberAddresses } from "./redis";
import { encodeCommand, parseReply } from "./redis-client";
import { runOne } from "./run";

/** A Redis that speaks just enough RESP: AUTH against one password, PING, NUMSUB and CLIENT LIST. */
function fakeRedis(opts: { password: string | null; numsub: number; clients: string; silent?: boolean }): Promise<{ port: number; close(): void }> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      let authed = opts.password === null;
      let buf = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        if (opts.silent) return;
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          const r = parseReply(buf);
          if (!r) return;
          buf = buf.subarray(r.end);
          const [cmd, ...args] = r.value as string[];
          const reply = (s: string) => socket.write(s);
          if (cmd === "AUTH") {
            authed = args[0] === opts.password;
            reply(authed ? "+OK\r\n" : "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
          } else if (!authed) reply("-NOAUTH Authentication required.\r\n");
          else if (cmd === "PING") reply("+PONG\r\n");
          else if (cmd === "PUBSUB") reply(`*2\r\n$${args[1].length}\r\n${args[1]}\r\n:${opts.numsub}\r\n`);
          else if (cmd === "CLIENT") reply(`$${Buffer.byteLength(opts.clients)}\r\n${opts.clients}\r\n`);
          else reply("-ERR unknown command\r\n");
        }
      });
    });
    server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
  });
}

const HS = (port: number, password = "s3cret-redis-pw") => ({
  redis: { enabled: true, host: "redis", port, password, passwordPath: null },
  database: { engine: "psycopg2", user: null, password: null, database: null, host: "postgres", port: 5432, cpMax: 5, cpMaxSet: false },
});

const lab = [
  proc("main", "main", { unit: unit("lab_main", { networks: [{ name: "net", ip: "10.0.0.5" }] }) }),
  proc("generic_worker1", "generic", { unit: unit("lab_generic", { networks: [{ name: "net", ip: "10.0.0.7" }] }) }),
  proc("federation_sender1", "federation_sender", { unit: unit("lab_fs", { networks: [{ name: "net", ip: "10.0.0.6" }] }) }),
];
const CLIENTS = ["id=4 addr=10.0.0.5:35860 name= sub=2 psub=0", "id=5 addr=10.0.0.5:35874 name= sub=0 psub=0", "id=6 addr=10.0.0.6:57800 name= sub=1 psub=0", "id=7 addr=10.0.0.7:60548 name= sub=0 psub=0"].join("\n");

let server: { port: number; close(): void } | null = null;
afterEach(() => server?.close());

describe("RESP", () => {
  it("encodes commands as arrays of bulk strings and parses every reply type, waiting for incomplete ones", () => {
    expect(encodeCommand(["PUBSUB", "NUMSUB", "fleet.test"]).toString()).toBe("*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$10\r\nfleet.test\r\n");
    expect(parseReply(Buffer.from("*2\r\n$10\r\nfleet.test\r\n:4\r\n"))?.value).toEqual(["fleet.test", 4]);
    expect(parseReply(Buffer.from("$5\r\nhel"))).toBeNull();
    expect(parseReply(Buffer.from("-NOAUTH Authentication required.\r\n"))?.value).toBeInstanceOf(Error);
  });

  it("takes subscriber addresses from CLIENT LIST: only connections with a subscription", () => {
    expect([...subscriberAddresses(CLIENTS)].sort()).toEqual(["10.0.0.5", "10.0.0.6"]);
  });
});

describe("redis check", () => {
  it("passes when NUMSUB equals the running Synapse processes, and never shows the password", async () => {
    server = await fakeRedis({ password: "s3cret-redis-pw", numsub: 3, clients: CLIENTS });
    const r = await runOne(redisCheck, fakeContext({ processes: lab, connections: HS(server.port) }), ["s3cret-redis-pw"]);
    expect(r.status).toBe("pass");
    expect(r.evidence).toContain("PUBSUB NUMSUB fleet.test: 3; running Synapse processes: 3");
    expect(JSON.stringify(r)).not.toContain("s3cret-redis-pw");
  });

  it("fails naming the process that is running but not subscribed", async () => {
    server = await fakeRedis({ password: "s3cret-redis-pw", numsub: 2, clients: CLIENTS });
    const r = await runOne(redisCheck, fakeContext({ processes: lab, connections: HS(server.port) }), []);
    expect(r.status).toBe("fail");
    expect(r.process).toBe("generic_worker1");
    expect(r.evidence).toContain("generic_worker1 is running but not subscribed to fleet.test");
  });

  it("fails on a refused AUTH with a fix about the password, without quoting it", async () => {
    server = await fakeRedis({ password: "the-real-one", numsub: 3, clients: CLIENTS });
    const r = await runOne(redisCheck, fakeContext({ processes: lab, connections: HS(server.port) }), ["s3cret-redis-pw"]);
    expect(r.status).toBe("fail");
    expect(r.evidence.join("\n")).toMatch(/section refused \(WRONGPASS\)/);
    expect(r.fix).toMatch(/requirepass/);
    expect(JSON.stringify(r)).not.toMatch(/s3cret-redis-pw|the-real-one/);
  });

  it("fails when the Redis container is stopped, with a fix that starts it", async () => {
    const ctx = fakeContext({
      processes: lab,
      resolveHost: async () => ({ address: null, container: { id: "r", name: "lab_redis_1", state: "exited" }, how: "redis is the container lab_redis_1, which is exited" }),
    });
    const r = await runOne(redisCheck, ctx, []);
    expect(r.status).toBe("fail");
    expect(r.evidence[0]).toMatch(/lab_redis_1, which is exited/);
    expect(r.fix).toMatch(/docker start lab_redis_1/);
  });

  it("fails when nothing listens, and warns (never passes) when Redis does not answer in time", async () => {
    const closed = await fakeRedis({ password: null, numsub: 0, clients: "" });
    closed.close();
    const refused = await runOne(redisCheck, fakeContext({ processes: lab, connections: HS(closed.port) }), []);
    expect(refused.status).toBe("fail");
    expect(refused.evidence.join("\n")).toMatch(/cannot connect to 127\.0\.0\.1/);

    server = await fakeRedis({ password: null, numsub: 0, clients: "", silent: true });
    const slow = await runOne(redisCheck, fakeContext({ processes: lab, connections: HS(server.port) }), [], 300);
    expect(slow.status).toBe("warn");
    expect(slow.evidence[0]).toMatch(/^cannot run: no answer within 0\.3 s/);
  });

  it("a single process without Redis passes; workers without redis.enabled fail", async () => {
    const off = { ...HS(6379), redis: { ...HS(6379).redis, enabled: false } };
    expect((await runOne(redisCheck, fakeContext({ processes: [lab[0]], connections: off }), [])).status).toBe("pass");
    const r = await runOne(redisCheck, fakeContext({ processes: lab, connections: off }), []);
    expect(r.status).toBe("fail");
    expect(r.fix).toMatch(/redis\.enabled: true/);
  });
});
