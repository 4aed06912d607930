import { withAuthErrors } from "@/lib/api/auth-errors";
import { apiRoute } from "@/lib/api/handler";
import { toAdminUser, updateUserRequestSchema, usernameSchema } from "@/lib/contract/admin";
import { setUserDisabled, setUserRole, type PublicUser } from "@/lib/auth";

export const dynamic = "force-dynamic";

/** Sets a user's role and/or disables or enables them (lib/auth keeps the last enabled admin). */
export const PATCH = apiRoute<{ name: string }>("PATCH /api/admin/users/{name}", async ({ params, body, audit }) => {
  const name = usernameSchema.parse(params.name);
  const change = updateUserRequestSchema.parse(body);
  audit.target = name;
  audit.detail = [change.role && `role ${change.role}`, change.disabled !== undefined && (change.disabled ? "disabled" : "enabled")].filter(Boolean).join(", ");
  const user = await withAuthErrors(async () => {
    let updated: PublicUser | undefined;
    if (change.role !== undefined) updated = await setUserRole(name, change.role);
    if (change.disabled !== undefined) updated = await setUserDisabled(name, change.disabled);
    // The schema requires one of the two, so one call has answered.
    return updated!;
  });
  return toAdminUser(user);
});
