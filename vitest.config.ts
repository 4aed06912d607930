import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    setupFiles: ["tests/settle.ts"],
    // The order of files must not matter: a new order on every run, its seed printed at the top
    // ("Running tests with seed …"); FLEET_TEST_SEED=<seed> replays one.
    sequence: { shuffle: { files: true, tests: false }, ...(process.env.FLEET_TEST_SEED ? { seed: Number(process.env.FLEET_TEST_SEED) } : {}) },
    projects: [
      {
        // Unit files touch no lab, no engine and no fixed port (each its own temp dir, servers on
        // port 0, env changes within its own forked process), so they run side by side. Vitest runs
        // this parallel group first and the sequential one below after it, never both at once.
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.ts"], fileParallelism: true },
      },
      {
        // Integration files share one real lab and stop and start its processes: one at a time.
        extends: true,
        test: { name: "integration", include: ["tests/**/*.test.ts"], fileParallelism: false },
      },
    ],
  },
});
