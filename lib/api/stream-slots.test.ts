import { describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth";
import { FleetError } from "@/lib/errors";
import { handleApiError } from "./errors";
import { acquireStreamSlot, heldStreamSlots, STREAM_LIMITS } from "./stream-slots";

const alice: Principal = { kind: "session", userId: "u-alice", name: "alice", role: "viewer" };
const bob: Principal = { kind: "token", userId: null, name: "bob-token", role: "viewer" };

describe("stream slots", () => {
  it("gives a principal a fixed number per pool, refuses the next with 429, and counts pools and principals apart", () => {
    const releases = Array.from({ length: STREAM_LIMITS.pages }, () => acquireStreamSlot(alice, "pages"));
    let refused: unknown;
    try {
      acquireStreamSlot(alice, "pages");
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(FleetError);
    expect(handleApiError(refused).status).toBe(429);
    const other = [acquireStreamSlot(bob, "pages"), acquireStreamSlot(alice, "events")];
    for (const r of [...releases, ...other]) r();
    expect(heldStreamSlots()).toEqual({});
  });

  it("releases a slot once, however often release is called", () => {
    const release = acquireStreamSlot(alice, "events");
    const second = acquireStreamSlot(alice, "events");
    release();
    release();
    expect(heldStreamSlots()).toEqual({ "events:user:u-alice": 1 });
    second();
    expect(heldStreamSlots()).toEqual({});
  });
});
