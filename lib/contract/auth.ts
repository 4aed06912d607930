// Request and response bodies of /api/auth/*. Shared by the route handlers, the login form
// and the OpenAPI document; no server-only imports.
import { z } from "zod";
import { roleSchema } from "@/lib/auth/roles";

export const loginRequestSchema = z.object({
  username: z.string().trim().min(1, "Username is required").max(64),
  password: z.string().min(1, "Password is required").max(1024),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

/** Who is calling: the answer of /api/auth/me and of a successful login. */
export const meResponseSchema = z.object({
  name: z.string(),
  role: roleSchema,
  kind: z.enum(["session", "token"]),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

export const loginResponseSchema = meResponseSchema;
export type LoginResponse = MeResponse;

export const logoutResponseSchema = z.object({ ok: z.boolean() });
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;
