/** The compose export under the name lib/operations imports it by. */
export { exportCompose } from "./compose-export";
