"use client";

import { ROLES, type Role } from "@/lib/auth/roles";
import { fieldClass } from "./styles";

/**
 * A role picker, named outright by `label` (a wrapping <label> would add the chosen option to
 * its accessible name).
 */
export function RoleSelect({ label, value, onChange, disabled }: { label: string; value: Role; onChange: (role: Role) => void; disabled?: boolean }) {
  return (
    <select aria-label={label} className={fieldClass} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}
