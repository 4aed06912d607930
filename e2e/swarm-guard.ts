import path from "node:path";

/**
 * The swarm run's guard (FLEET_E2E_TARGET=swarm): it drains nodes, stops a node's engine and rolls
 * the deployment back, so it runs only against the local swarm lab — its config dir and its
 * manager's socket under lab/swarm/.state — never a real cluster.
 */
export default function swarmGuard() {
  const state = path.resolve(import.meta.dirname, "..", "lab", "swarm", ".state");
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  if (!dir || path.resolve(dir) !== path.join(state, "config")) {
    throw new Error(`the swarm e2e run goes only against the local swarm lab (SYNAPSE_CONFIG_DIR=${path.join(state, "config")}); got ${dir ?? "nothing"}`);
  }
  const manager = `unix://${path.join(state, "node1", "docker.sock")}`;
  if (process.env.DOCKER_HOST !== manager) {
    throw new Error(`the swarm e2e run talks only to the swarm lab's manager (DOCKER_HOST=${manager}); got ${process.env.DOCKER_HOST ?? "nothing"}`);
  }
}
