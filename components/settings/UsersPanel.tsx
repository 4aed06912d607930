"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AdminUser } from "@/lib/contract/admin";
import type { Role } from "@/lib/auth/roles";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { auditKey, createUser, fetchUsers, resetPassword, updateUser, usersKey } from "./api";
import { RoleSelect } from "./RoleSelect";
import { ErrorNote, SecretOnce } from "./SecretOnce";
import { cellClass, fieldClass, formClass, headCellClass, labelClass, panelClass, tableClass } from "./styles";

type Shown = { label: string; value: string };

/** Users: role, access, password resets, and new users. */
export function UsersPanel({ self }: { self: string }) {
  const qc = useQueryClient();
  const users = useQuery({ queryKey: usersKey, queryFn: fetchUsers, staleTime: 0 });
  const [shown, setShown] = useState<Shown | null>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: usersKey }), qc.invalidateQueries({ queryKey: auditKey })]);
  const update = useMutation({
    mutationFn: (v: { name: string; change: { role?: Role; disabled?: boolean } }) => updateUser(v.name, v.change),
    onSettled: refresh,
  });
  return (
    <div className={panelClass}>
      {shown ? <SecretOnce label={shown.label} value={shown.value} note="It is shown only now: give it to the user over a safe channel." onDismiss={() => setShown(null)} /> : null}
      <ErrorNote error={users.error ?? update.error} />
      {users.isPending ? <p className="text-xs text-zinc-500">Reading the users…</p> : null}
      {users.data ? (
        <table className={tableClass} aria-label="Users">
          <thead>
            <tr>
              <th className={headCellClass}>Name</th>
              <th className={headCellClass}>Role</th>
              <th className={headCellClass}>Disabled</th>
              <th className={headCellClass}>Created</th>
              <th className={headCellClass}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => {
              // Changing one's own role or access from here could lock the caller out mid-session.
              const isSelf = u.username === self;
              return (
                <tr key={u.id} data-testid={`user-${u.username}`}>
                  <td className={`${cellClass} font-medium`}>
                    {u.username} {isSelf ? <Badge>you</Badge> : null} {u.disabled ? <Badge tone="rose">disabled</Badge> : null}
                  </td>
                  <td className={cellClass}>
                    <RoleSelect
                      label={`Role of ${u.username}`}
                      value={u.role}
                      disabled={isSelf || update.isPending}
                      onChange={(role) => update.mutate({ name: u.username, change: { role } })}
                    />
                  </td>
                  <td className={cellClass}>
                    <input
                      type="checkbox"
                      role="switch"
                      aria-label={`Disable ${u.username}`}
                      aria-checked={u.disabled}
                      checked={u.disabled}
                      disabled={isSelf || update.isPending}
                      onChange={(e) => update.mutate({ name: u.username, change: { disabled: e.target.checked } })}
                      className="size-4 accent-sky-700"
                    />
                  </td>
                  <td className={`${cellClass} text-zinc-500`}>
                    <time dateTime={u.createdAt}>{new Date(u.createdAt).toLocaleString()}</time>
                  </td>
                  <td className={`${cellClass} text-right`}>
                    <Button onClick={() => setResetting(u)} aria-label={`Reset password of ${u.username}`}>
                      Reset password
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <AddUserForm
        onAdded={(name, generated) => {
          void refresh();
          setShown(generated ? { label: `Password of ${name}`, value: generated } : null);
        }}
      />
      {resetting ? (
        <ResetPasswordDialog
          user={resetting}
          onClose={() => setResetting(null)}
          onReset={(generated) => {
            setResetting(null);
            void refresh();
            setShown({ label: `New password of ${resetting.username}`, value: generated });
          }}
        />
      ) : null}
    </div>
  );
}

function AddUserForm({ onAdded }: { onAdded: (name: string, generatedPassword: string | undefined) => void }) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [password, setPassword] = useState("");
  const add = useMutation({
    mutationFn: () => createUser({ username, role, password: password === "" ? undefined : password }),
    onSuccess: (u) => {
      setUsername("");
      setPassword("");
      onAdded(u.username, u.generatedPassword);
    },
  });
  return (
    <form
      aria-label="Add a user"
      className={formClass}
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      <label className={labelClass}>
        Username
        <input required value={username} onChange={(e) => setUsername(e.target.value)} className={fieldClass} autoComplete="off" maxLength={64} />
      </label>
      <label className={labelClass}>
        Role
        <RoleSelect label="Role" value={role} onChange={setRole} />
      </label>
      <label className={labelClass}>
        Password (empty: generate one)
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} className={fieldClass} autoComplete="new-password" minLength={10} maxLength={1024} />
      </label>
      <Button type="submit" tone="primary" disabled={add.isPending || username.trim() === ""}>
        {add.isPending ? "Adding…" : "Add user"}
      </Button>
      <div className="basis-full">
        <ErrorNote error={add.error} />
      </div>
    </form>
  );
}

function ResetPasswordDialog({ user, onClose, onReset }: { user: AdminUser; onClose: () => void; onReset: (generatedPassword: string) => void }) {
  const reset = useMutation({
    mutationFn: () => resetPassword(user.username),
    onSuccess: (r) => {
      if (r.generatedPassword) onReset(r.generatedPassword);
    },
  });
  return (
    <Dialog
      title={`Reset the password of ${user.username}?`}
      description="A new password is generated and shown once. Every session of this user ends."
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="danger" disabled={reset.isPending} onClick={() => reset.mutate()}>
            {reset.isPending ? "Resetting…" : "Reset password"}
          </Button>
        </>
      }
    >
      <ErrorNote error={reset.error} />
    </Dialog>
  );
}
