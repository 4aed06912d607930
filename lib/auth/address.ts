import "server-only";
import { isIPv4, isIPv6 } from "node:net";

/** The shared throttle bucket of callers whose address is not known (no trusted server in front). */
export const UNKNOWN_ADDRESS = "unknown";

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail included). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split("%")[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split(".").map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

/**
 * The address a login failure is counted against. IPv4 as it is (IPv4-mapped IPv6 too);
 * IPv6 by its /64, since one host usually holds a whole /64 and could otherwise rotate
 * through 2^64 addresses. Anything unparseable counts as unknown.
 */
export function throttleAddress(ip: string | null): string {
  if (!ip) return UNKNOWN_ADDRESS;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return UNKNOWN_ADDRESS;
  const groups = ipv6Groups(ip);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}
