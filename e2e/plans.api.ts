import { expect, test } from "@playwright/test";
import { configFiles, FleetApi } from "./fleet-api";

// "Apply what was previewed", over HTTP: a preview's ETag sent back in If-Match applies that plan
// or gets 409 plan_changed with the plan as it stands; nothing is started either way here.

let api: FleetApi;
test.beforeAll(({ baseURL }) => {
  api = FleetApi.withRole(baseURL!, "operator");
});

async function preview(intent: unknown): Promise<{ status: number; etag: string | null; plan: { summary: string } }> {
  const res = await fetch(`${api.baseURL}/api/plans`, {
    method: "POST",
    headers: { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ intent }),
  });
  return { status: res.status, etag: res.headers.get("etag"), plan: (await res.json()) as { summary: string } };
}

async function add(ifMatch: string): Promise<{ status: number; body: { error?: { code: string; details?: { reason?: string; fingerprint?: string; plan?: { summary: string } } } } }> {
  const res = await fetch(`${api.baseURL}/api/workers`, {
    method: "POST",
    headers: { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json", "If-Match": ifMatch },
    body: JSON.stringify({ type: "generic" }),
  });
  return { status: res.status, body: await res.json() };
}

test("a preview answers with the plan's ETag, the same while nothing changes", async () => {
  const a = await preview({ kind: "add_worker", type: "generic" });
  const b = await preview({ kind: "add_worker", type: "generic" });
  expect(a.status).toBe(200);
  expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  expect(b.etag).toBe(a.etag);
  expect(a.plan.summary).toMatch(/^Add generic worker/);
});

test("an apply sent with another plan's ETag gets 409 plan_changed and the current plan, and changes nothing", async () => {
  const files = configFiles();
  const ops = (await api.call<unknown[]>("GET", "/api/history?limit=200")).json.length;
  const current = await preview({ kind: "add_worker", type: "generic" });
  const r = await add(`"${"A".repeat(43)}"`);
  expect(r.status).toBe(409);
  expect(r.body.error?.code).toBe("conflict");
  expect(r.body.error?.details?.reason).toBe("plan_changed");
  expect(`"${r.body.error?.details?.fingerprint}"`).toBe(current.etag);
  expect(r.body.error?.details?.plan?.summary).toBe(current.plan.summary);
  expect(configFiles()).toEqual(files);
  expect((await api.call<unknown[]>("GET", "/api/history?limit=200")).json.length).toBe(ops);
});

test("an If-Match that is not a plan's ETag is refused as bad input", async () => {
  for (const bad of ["*", '"short"', `"${"A".repeat(43)}", "${"B".repeat(43)}"`]) {
    const r = await add(bad);
    expect(r.status, bad).toBe(400);
    expect(r.body.error?.code).toBe("bad_request");
  }
});
