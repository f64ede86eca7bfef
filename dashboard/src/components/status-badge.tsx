import type { KeyStatus } from "../lib/governance";

const labels: Record<KeyStatus, string> = {
  active: "Active",
  revoked: "Revoked",
  expired: "Expired",
};

/** A key's status as a coloured word (the word carries it; the colour only helps). */
export function StatusBadge({ status }: { status: KeyStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="key-status" data-status={status}>
      {labels[status]}
    </span>
  );
}
