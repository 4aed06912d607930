"use client";

import { createContext, useContext } from "react";
import { roleAllows, type Role } from "@/lib/auth/roles";

export interface ConsoleUser {
  name: string;
  role: Role;
}

const PrincipalContext = createContext<ConsoleUser | null>(null);

/** The signed-in user, as the console layout knows them; the API checks the role again on each call. */
export function PrincipalProvider({ user, children }: { user: ConsoleUser; children: React.ReactNode }) {
  return <PrincipalContext.Provider value={user}>{children}</PrincipalContext.Provider>;
}

/** True when the user may change the deployment (operator or admin): viewers see no mutation controls. */
export function useCanOperate(): boolean {
  const user = useContext(PrincipalContext);
  return user ? roleAllows(user.role, "operator") : false;
}
