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
    include: ["lib/**/*.test.ts", "components/**/*.test.ts", "tests/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    setupFiles: ["tests/settle.ts"],
    // The order of files must not matter: a new order on every run, its seed printed at the top
    // ("Running tests with seed …"); FLEET_TEST_SEED=<seed> replays one.
    sequence: { shuffle: { files: true, tests: false }, ...(process.env.FLEET_TEST_SEED ? { seed: Number(process.env.FLEET_TEST_SEED) } : {}) },
  },
});
