import { presets, workerCatalogue } from "@/lib/synapse/catalogue";
import type { Intent } from "@/lib/synapse/plan-schema";

/** The intent in the operator's words; also the title (accessible name) of its plan dialog. */
export function intentTitle(intent: Intent): string {
  switch (intent.kind) {
    case "add_worker":
      return `Add ${workerCatalogue[intent.type].label}`;
    case "remove_worker":
      return `Remove ${intent.name}`;
    case "start":
      return `Start ${intent.name}`;
    case "stop":
      return `Stop ${intent.name}`;
    case "restart":
      return `Restart ${intent.name}`;
    case "scale":
      return `Scale ${workerCatalogue[intent.type].label} to ${intent.count}`;
    case "preset":
      return `Apply preset: ${presets[intent.preset].label}`;
    case "rollback_to_single_process":
      return "Rollback to single process";
    case "restore_workers":
      return "Restore workers";
    case "restore":
      return `Restore to ${intent.point} operation ${intent.operationId}`;
    case "edit_files":
      return `Save ${intent.files.map((f) => f.path).join(", ")}`;
  }
}
