import { defineConfig } from "vitest/config";
import path from "node:path";

// The swarm project needs the swarm lab (lab/swarm), which npm test brings up for it alone: a plain
// `vitest run` leaves it out. It is in when asked for: `--project swarm`, a path under tests/swarm,
// or FLEET_VITEST_SWARM=1 (set here too, so any process vitest starts sees the same projects).
const argv = process.argv.slice(2);
const askedForSwarm =
  process.env.FLEET_VITEST_SWARM === "1" ||
  argv.some((a, i) => a === "--project=swarm" || (a === "--project" && argv[i + 1] === "swarm") || a.replace(/\\/g, "/").includes("tests/swarm"));
if (askedForSwarm) process.env.FLEET_VITEST_SWARM = "1";

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
        // tests/swarm/ is the swarm project's: those need the swarm lab up, which npm test starts
        // for them alone (and takes down after, to free its 1.6 GB).
        test: { name: "integration", include: ["tests/**/*.test.ts"], exclude: ["tests/swarm/**", "**/node_modules/**"], fileParallelism: false },
      },
      // The simulated 3-node swarm (lab/swarm, issue #15): one lab shared by every file, which drain
      // nodes and stop their engines: one at a time, never beside the other projects.
      ...(askedForSwarm ? [{ extends: true as const, test: { name: "swarm", include: ["tests/swarm/**/*.test.ts"], fileParallelism: false } }] : []),
    ],
  },
});
