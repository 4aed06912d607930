import { describe, expect, it } from "vitest";
import { throttleAddress, UNKNOWN_ADDRESS } from "./address";

describe("throttleAddress", () => {
  it("keeps IPv4 and unmaps IPv4-mapped IPv6", () => {
    expect(throttleAddress("203.0.113.7")).toBe("203.0.113.7");
    expect(throttleAddress("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(throttleAddress("::FFFF:cb00:7107")).toBe("203.0.113.7");
  });

  it("groups IPv6 by /64, however it is written", () => {
    const key = "2001:db8:0:1::/64";
    expect(throttleAddress("2001:db8:0:1::1")).toBe(key);
    expect(throttleAddress("2001:0DB8:0000:0001:ffff:ffff:ffff:ffff")).toBe(key);
    expect(throttleAddress("2001:db8::1:0:0:0:2")).toBe(key);
    expect(throttleAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(throttleAddress("::1")).toBe("0:0:0:0::/64");
    expect(throttleAddress("2001:db8:0:2::1")).not.toBe(key);
  });

  it("puts missing and unparseable addresses in one shared bucket", () => {
    expect(throttleAddress(null)).toBe(UNKNOWN_ADDRESS);
    expect(throttleAddress("")).toBe(UNKNOWN_ADDRESS);
    expect(throttleAddress("not-an-ip")).toBe(UNKNOWN_ADDRESS);
    expect(throttleAddress("1.2.3.4, 5.6.7.8")).toBe(UNKNOWN_ADDRESS);
  });
});
