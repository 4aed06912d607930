// ESLint: Next's core-web-vitals and TypeScript rules. Run by `npm run lint` and `npm test`.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    rules: {
      // A leading underscore names what is left out on purpose (`const { id: _id, ...spec } = c`).
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // These two advise for the React Compiler, which the app does not use. The log list reads its
      // offset table from a ref during render on purpose (no React state per line: ARCHITECTURE.md, Logs),
      // and syncing a field from a prop in an effect is the intended pattern in the toolbar and stream hook.
      "react-hooks/refs": "off",
      "react-hooks/set-state-in-effect": "off",
      "react-hooks/incompatible-library": "off",
      // A 401 sends the browser to /login with a full navigation on purpose: it drops every client
      // cache that belonged to the signed-out session.
      "@next/next/no-location-assign-relative-destination": "off",
    },
  },
  {
    // The server's log must never hold a secret: server code logs through lib/log.ts, which masks.
    files: ["app/**/*.ts", "lib/**/*.ts"],
    ignores: ["lib/log.ts", "**/*.test.ts"],
    rules: { "no-console": "error" },
  },
  {
    ignores: ["node_modules/**", ".next/**", "lib/db/generated/**", "test-results/**", "playwright-report/**", "lab/.state/**", "lab/swarm/.state/**", "data/**", "next-env.d.ts"],
  },
];

export default config;
