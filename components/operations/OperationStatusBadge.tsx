import type { OperationStatus } from "@/lib/synapse/plan-schema";
import { Badge } from "@/components/ui/Badge";

/** The one status colour language: green done, amber running, red failed, grey planned/interrupted. */
const tone = { planned: "zinc", applying: "amber", succeeded: "emerald", failed: "rose", interrupted: "zinc" } as const;
const text = { planned: "planned", applying: "applying", succeeded: "succeeded", failed: "failed", interrupted: "interrupted" } as const;

export function OperationStatusBadge({ status }: { status: OperationStatus }) {
  return (
    <span data-testid="operation-status" data-status={status}>
      <Badge tone={tone[status]}>{text[status]}</Badge>
    </span>
  );
}
