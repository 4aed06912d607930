/** The compose export under the name lib/operations imports it by. */
export { exportCompose, exportComposeSecrets } from "./compose-export";
