// The lab entrypoint's first nginx config, rendered by the dashboard's own renderer (lib/synapse/
// nginx.ts) so that the first plan finds the file it would have written (no "edited by hand"
// warning), and so the lab follows the route table when it changes.
//   tsx lab/lb/render-config.ts workers|single  > nginx/synapse.conf
// Hosts are the compose service names, which are the containers' network aliases: the names the
// planner reads back from the running lab (tests/lab-fixture.test.ts checks that they agree).
import { renderNginx, type NginxDeployment } from "../../lib/synapse/nginx";

const LISTEN_PORT = 8080;

const workers: NginxDeployment["workers"] = [
  { name: "generic_worker1", kind: "generic", host: "synapse-worker-generic", port: 8009 },
  { name: "media_worker", kind: "media", host: "synapse-worker-media", port: 8010 },
  // federation_sender1 serves no HTTP: nothing to route.
];

const mode = process.argv[2];
if (mode !== "workers" && mode !== "single") {
  process.stderr.write("usage: render-config.ts workers|single\n");
  process.exit(2);
}
process.stdout.write(
  renderNginx({
    listenPort: LISTEN_PORT,
    main: { host: "synapse", port: 8008 },
    workers: mode === "workers" ? workers : [],
    // homeserver.yaml (lab.sh) sets no max_upload_size: Synapse's default applies.
    maxUploadSize: null,
  }),
);
