import { describe, expect, it } from "vitest";
import { VerifiedCredentials } from "./verified";

function cache(max = 10) {
  const clock = { now: 1_000_000 };
  const c = new VerifiedCredentials<string>({ ttlMs: 500, max, now: () => clock.now });
  let lookups = 0;
  const lookup = (value: string | null, expiresAt?: number) => async () => {
    lookups++;
    return value === null ? null : { value, expiresAt };
  };
  return { c, clock, lookup, lookups: () => lookups };
}

describe("VerifiedCredentials", () => {
  it("believes a confirmation for the TTL, then asks again", async () => {
    const { c, clock, lookup, lookups } = cache();
    expect(await c.get("k", lookup("ada"))).toBe("ada");
    clock.now += 499;
    expect(await c.get("k", lookup("changed"))).toBe("ada");
    expect(lookups()).toBe(1);
    clock.now += 1;
    expect(await c.get("k", lookup(null))).toBeNull();
    expect(lookups()).toBe(2);
  });

  it("never keeps a refusal: the next request asks again", async () => {
    const { c, lookup, lookups } = cache();
    expect(await c.get("k", lookup(null))).toBeNull();
    expect(await c.get("k", lookup("ada"))).toBe("ada");
    expect(lookups()).toBe(2);
    expect(c.size).toBe(1);
  });

  it("believes a credential no longer than it lives, and not at all once the clock goes back", async () => {
    const { c, clock, lookup, lookups } = cache();
    await c.get("session", lookup("ada", clock.now + 100));
    clock.now += 100;
    expect(await c.get("session", lookup(null))).toBeNull();
    await c.get("token", lookup("ci"));
    clock.now -= 1;
    expect(await c.get("token", lookup(null))).toBeNull();
    expect(lookups()).toBe(4);
  });

  it("forgets at once, and does not keep what a lookup under way read before the change", async () => {
    const { c, lookup, lookups } = cache();
    await c.get("a", lookup("ada"));
    c.forget();
    expect(await c.get("a", lookup(null))).toBeNull();
    let release!: () => void;
    const reading = c.get("b", async () => {
      await new Promise<void>((r) => (release = r));
      return { value: "read before the revoke" };
    });
    c.forget();
    release();
    expect(await reading).toBe("read before the revoke");
    expect(await c.get("b", lookup(null))).toBeNull();
    expect(lookups()).toBe(3);
  });

  it("holds at most `max`: expired entries go first, then the oldest", async () => {
    const { c, clock, lookup } = cache(3);
    await c.get("old", lookup("x", clock.now + 10));
    await c.get("a", lookup("a"));
    await c.get("b", lookup("b"));
    clock.now += 20;
    await c.get("c", lookup("c"));
    expect(c.size).toBe(3);
    await c.get("d", lookup("d"));
    expect(c.size).toBe(3);
    // "old" expired and "a" was the oldest live one: both asked again, "b" still believed.
    expect(await c.get("b", lookup(null))).toBe("b");
    expect(await c.get("a", lookup(null))).toBeNull();
  });
});
