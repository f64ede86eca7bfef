import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A real modal: the browser's <dialog> opened with showModal(), so focus stays inside, the page
 * behind is inert and Escape closes it (unless `dismissible` is false, e.g. while a secret that
 * cannot be shown again is on screen).
 */
export function Modal({
  title,
  onClose,
  children,
  dismissible = true,
  testId,
  wide = false,
}: {
  title: ReactNode;
  onClose(): void;
  children: ReactNode;
  dismissible?: boolean;
  testId?: string;
  wide?: boolean;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={dialogRef}
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      className={wide ? "modal modal-wide" : "modal"}
      data-testid={testId}
      onCancel={(event) => {
        // Escape: the dialog would close itself behind React's back; let the owner decide.
        event.preventDefault();
        if (dismissible) onClose();
      }}
    >
      <div className="modal-header">
        <h2 id={titleId}>{title}</h2>
        {dismissible && (
          <button
            type="button"
            className="button-quiet modal-close"
            onClick={onClose}
            aria-label="Close"
          >
            ×
          </button>
        )}
      </div>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}
