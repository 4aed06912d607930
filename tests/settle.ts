import { beforeAll } from "vitest";
import { labSynapseHealthy } from "./lab-env";

// Integration files run in a shuffled order (vitest.config.ts), so none may rely on what the one
// before it left: each starts once every Synapse process of the lab runs and passes its healthcheck.
// Unit files (lib/, components/) never touch the lab and start at once.
beforeAll(async ({}, suite) => {
  const filepath = suite && "filepath" in suite ? String(suite.filepath) : "";
  if (!/\/tests\/[^/]+\.test\.ts$/.test(filepath) || !process.env.SYNAPSE_CONFIG_DIR) return;
  // Asked of the engine itself: a file may point DOCKER_HOST at a proxy it only starts in its own hooks.
  const { DOCKER_HOST } = process.env;
  delete process.env.DOCKER_HOST;
  try {
    await labSynapseHealthy(4, 240_000);
  } finally {
    if (DOCKER_HOST !== undefined) process.env.DOCKER_HOST = DOCKER_HOST;
  }
}, 300_000);
