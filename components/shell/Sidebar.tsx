"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { SignOutForm } from "@/components/auth/SignOutForm";

const screens = [
  { href: "/", label: "Topology" },
  { href: "/logs", label: "Logs" },
  { href: "/metrics", label: "Metrics" },
  { href: "/diagnostics", label: "Diagnostics" },
  { href: "/config", label: "Config" },
  { href: "/history", label: "History" },
];
// Shown to admins only; the page and the admin API check the role themselves.
const adminScreens = [{ href: "/settings", label: "Settings" }];

export function Sidebar({ user }: { user: { name: string; role: string } }) {
  const path = usePathname();
  return (
    <nav aria-label="Screens" className="flex w-52 shrink-0 flex-col border-r border-zinc-200 bg-white px-3 py-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mb-6 px-2">
        <p className="text-sm font-semibold">Synapse Fleet</p>
        <p className="text-[11px] text-zinc-500">operator console</p>
      </div>
      <ul className="flex flex-col gap-0.5">
        {[...screens, ...(user.role === "admin" ? adminScreens : [])].map((s) => (
          <li key={s.href}>
            <Link
              href={s.href}
              aria-current={(s.href === "/" ? path === "/" : path === s.href || path.startsWith(`${s.href}/`)) ? "page" : undefined}
              className="block rounded-md px-2 py-1.5 text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-100 aria-[current=page]:font-medium dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800"
            >
              {s.label}
            </Link>
          </li>
        ))}
      </ul>
      <div className="mt-auto border-t border-zinc-200 px-2 pt-3 text-xs dark:border-zinc-800">
        <p className="font-medium" data-testid="current-user">
          {user.name}
        </p>
        <p className="text-zinc-500">{user.role}</p>
        <SignOutForm />
      </div>
    </nav>
  );
}
