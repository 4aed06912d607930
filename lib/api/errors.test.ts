import { afterEach, describe, expect, it, vi } from "vitest";
import { FleetError, type FleetErrorCode } from "@/lib/errors";
import { UnsafeConfigPathError } from "@/lib/fs/safe";
import { OperationConflictError } from "@/lib/operations/errors";
import { ConfigFindingsError, PlanError } from "@/lib/synapse/plan-schema";
import { ApiError, handleApiError } from "./errors";

afterEach(() => vi.restoreAllMocks());

describe("handleApiError", () => {
  it("answers an unexpected error with 500 and no detail, and logs it with its secrets masked", async () => {
    const printed: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
    const err = new Error("connect to postgres://synapse:Sup3rS3cret!@db:5432/synapse failed", {
      cause: new Error("redis password hunter2hunter2 refused: AUTH"),
    });
    const res = handleApiError(err);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "Internal error" } });
    const log = printed.join("\n");
    expect(log).toContain("postgres://synapse:");
    expect(log).not.toContain("Sup3rS3cret!");
    expect(log).toContain("db:5432");
  });

  it("maps the new codes to their statuses", () => {
    expect(handleApiError(new ApiError("payload_too_large", "x")).status).toBe(413);
    expect(handleApiError(new ApiError("unsupported_media_type", "x")).status).toBe(415);
    expect(handleApiError(new ApiError("unprocessable", "x")).status).toBe(422);
  });

  it("closes the connection after a 413, whose body was never read, and only then", () => {
    expect(handleApiError(new ApiError("payload_too_large", "x")).headers.get("connection")).toBe("close");
    expect(handleApiError(new ApiError("unsupported_media_type", "x")).headers.get("connection")).toBeNull();
    expect(handleApiError(new ApiError("bad_request", "x")).headers.get("connection")).toBeNull();
  });
});

describe("handleApiError: the services' refusals, mapped in one place", () => {
  const answer = async (err: unknown) => {
    const res = handleApiError(err);
    return { status: res.status, ...((await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error };
  };

  it("answers a planner's refusal with its code as the reason", async () => {
    expect(await answer(new PlanError("invalid", "port: too small"))).toEqual({ status: 400, code: "bad_request", message: "port: too small", details: { reason: "invalid" } });
    expect(await answer(new PlanError("conflict", "port 8009 is taken"))).toMatchObject({ status: 409, code: "conflict", details: { reason: "conflict" } });
    expect(await answer(new PlanError("not_found", "no worker x"))).toMatchObject({ status: 404, code: "not_found", details: { reason: "not_found" } });
    expect(await answer(new PlanError("limit", "at most 50"))).toMatchObject({ status: 409, code: "conflict", details: { reason: "limit" } });
  });

  it("answers a stale base 409 stale_base with the current versions", async () => {
    const current = { "workers/w1.yaml": "ab".repeat(32) };
    expect(await answer(new PlanError("stale", "workers/w1.yaml changed since it was opened", { current }))).toEqual({
      status: 409,
      code: "conflict",
      message: "workers/w1.yaml changed since it was opened",
      details: { reason: "stale_base", current },
    });
  });

  it("answers the validator's error findings 422 unprocessable with the findings", async () => {
    const findings = [{ rule: "writer-replication-listener", level: "error", message: "no replication listener", file: "homeserver.yaml", line: 3 }];
    const got = await answer(new ConfigFindingsError(findings));
    expect(got).toMatchObject({ status: 422, code: "unprocessable", details: { reason: "findings", findings } });
    expect(got.message).toContain("homeserver.yaml:3 no replication listener");
  });

  it("answers a link planted in the config dir 400 unsafe_path, and an operation in flight 409 operation_in_flight", async () => {
    expect(await answer(new UnsafeConfigPathError("workers/w1.yaml", "is a symbolic link"))).toEqual({
      status: 400,
      code: "bad_request",
      message: "workers/w1.yaml is a symbolic link: refused",
      details: { reason: "unsafe_path" },
    });
    expect(await answer(new OperationConflictError("Another operation is being applied to this deployment; wait for it to finish", "op-1"))).toEqual({
      status: 409,
      code: "conflict",
      message: "Another operation is being applied to this deployment; wait for it to finish",
      details: { reason: "operation_in_flight" },
    });
  });

  it("masks a credential a message quotes (a YAML error quoting a config line), keeping the rest", async () => {
    const got = await answer(new PlanError("invalid", "homeserver.yaml line 4: bad value in postgres://synapse:Sup3rS3cret!@db:5432/synapse"));
    expect(got.message).not.toContain("Sup3rS3cret!");
    expect(got.message).toContain("homeserver.yaml line 4");
    expect(got.message).toContain("db:5432");
  });

  it("maps every domain code, and keeps a reason the error gives over the default", async () => {
    const statuses = { invalid: 400, not_found: 404, conflict: 409, limit: 409, unavailable: 503, too_many_requests: 429, stale: 409, unprocessable: 422 } as const;
    for (const [code, status] of Object.entries(statuses)) expect(handleApiError(new FleetError(code as FleetErrorCode, "x")).status, code).toBe(status);
    expect(await answer(new FleetError("stale", "x", { reason: "plan_changed" }))).toMatchObject({ details: { reason: "plan_changed" } });
    expect(await answer(new FleetError("unavailable", "x"))).not.toHaveProperty("details");
  });
});
