import path from "node:path";

/** Refuses to run the browser tests against anything but the local lab. */
export default function guard() {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  const lab = path.resolve(import.meta.dirname, "..", "lab", ".state", "config");
  if (!dir || path.resolve(dir) !== lab) {
    throw new Error(`e2e tests run only against the local lab (SYNAPSE_CONFIG_DIR=${lab}); got ${dir ?? "nothing"}. Use npm test.`);
  }
  if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith("unix://")) {
    throw new Error(`e2e tests stop and start containers: refusing a remote DOCKER_HOST (${process.env.DOCKER_HOST})`);
  }
}
