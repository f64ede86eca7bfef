import type { ReactNode } from "react";
import { Modal } from "./modal";

/**
 * Asks before something that cannot be undone. While `busy` the buttons wait; `error` (the
 * gateway's refusal) shows inside the dialog, so the choice can be made again.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  busy = false,
  error,
  danger = true,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  busy?: boolean;
  error?: string;
  danger?: boolean;
}) {
  return (
    <Modal title={title} onClose={onCancel} dismissible={!busy} testId="confirm-dialog">
      <div className="confirm-text">{children}</div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className={danger ? "button-danger" : "button-primary"}
          onClick={onConfirm}
          disabled={busy}
        >
          {busy ? "Working…" : confirmLabel}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
