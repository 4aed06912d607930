"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AdminToken } from "@/lib/contract/admin";
import type { Role } from "@/lib/auth/roles";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { auditKey, createToken, fetchTokens, fetchUsers, revokeToken, tokensKey, usersKey } from "./api";
import { RoleSelect } from "./RoleSelect";
import { ErrorNote, SecretOnce } from "./SecretOnce";
import { cellClass, fieldClass, formClass, headCellClass, labelClass, panelClass, tableClass } from "./styles";

const when = (iso: string | null) => (iso ? <time dateTime={iso}>{new Date(iso).toLocaleString()}</time> : <span className="text-zinc-400">never</span>);

/** API tokens: who made them, when they were last used, revoking them, and new ones. */
export function TokensPanel() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: tokensKey, queryFn: fetchTokens, staleTime: 0 });
  // createdBy is a user id; the users list names it.
  const users = useQuery({ queryKey: usersKey, queryFn: fetchUsers, staleTime: 0 });
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<AdminToken | null>(null);
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: tokensKey }), qc.invalidateQueries({ queryKey: auditKey })]);
  const creator = (id: string | null) => (id === null ? "CLI or a token" : (users.data?.find((u) => u.id === id)?.username ?? id));
  return (
    <div className={panelClass}>
      {secret ? (
        <SecretOnce
          label={`Token ${secret.name}`}
          value={secret.token}
          note="Store it now: it is not shown again. Send it as Authorization: Bearer …"
          onDismiss={() => setSecret(null)}
        />
      ) : null}
      <ErrorNote error={tokens.error} />
      {tokens.isPending ? <p className="text-xs text-zinc-500">Reading the tokens…</p> : null}
      {tokens.data && tokens.data.length === 0 ? <p className="text-xs text-zinc-500">No API tokens yet.</p> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <table className={tableClass} aria-label="API tokens">
          <thead>
            <tr>
              {["Name", "Prefix", "Role", "Created by", "Created", "Last used", "Revoked"].map((h) => (
                <th key={h} className={headCellClass}>
                  {h}
                </th>
              ))}
              <th className={headCellClass}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} data-testid={`token-${t.id}`} className={t.revokedAt ? "text-zinc-400 dark:text-zinc-500" : ""}>
                <td className={`${cellClass} font-medium`}>{t.name}</td>
                <td className={`${cellClass} font-mono`}>{t.prefix}…</td>
                <td className={cellClass}>
                  <Badge tone={t.role === "admin" ? "rose" : t.role === "operator" ? "amber" : "zinc"}>{t.role}</Badge>
                </td>
                <td className={cellClass}>{creator(t.createdBy)}</td>
                <td className={cellClass}>{when(t.createdAt)}</td>
                <td className={cellClass}>{when(t.lastUsedAt)}</td>
                <td className={cellClass}>{t.revokedAt ? when(t.revokedAt) : <span className="text-zinc-400">no</span>}</td>
                <td className={`${cellClass} text-right`}>
                  {t.revokedAt ? null : (
                    <Button tone="ghost" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <CreateTokenForm
        onCreated={(name, token) => {
          void refresh();
          setSecret({ name, token });
        }}
      />
      {revoking ? (
        <RevokeDialog
          token={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            setRevoking(null);
            void refresh();
          }}
        />
      ) : null}
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (name: string, token: string) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const create = useMutation({
    mutationFn: () => createToken({ name, role }),
    onSuccess: (t) => {
      setName("");
      onCreated(t.name, t.token);
    },
  });
  return (
    <form
      aria-label="Create an API token"
      className={formClass}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label className={labelClass}>
        Token name
        <input required value={name} onChange={(e) => setName(e.target.value)} className={fieldClass} maxLength={100} autoComplete="off" />
      </label>
      <label className={labelClass}>
        Token role
        <RoleSelect label="Token role" value={role} onChange={setRole} />
      </label>
      <Button type="submit" tone="primary" disabled={create.isPending || name.trim() === ""}>
        {create.isPending ? "Creating…" : "Create token"}
      </Button>
      <div className="basis-full">
        <ErrorNote error={create.error} />
      </div>
    </form>
  );
}

function RevokeDialog({ token, onClose, onRevoked }: { token: AdminToken; onClose: () => void; onRevoked: () => void }) {
  const revoke = useMutation({ mutationFn: () => revokeToken(token.id), onSuccess: onRevoked });
  return (
    <Dialog
      title={`Revoke ${token.name}?`}
      description={`Scripts using ${token.prefix}… stop authenticating at once. This cannot be undone.`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="danger" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
            {revoke.isPending ? "Revoking…" : "Revoke token"}
          </Button>
        </>
      }
    >
      <ErrorNote error={revoke.error} />
    </Dialog>
  );
}
