/** Shown while a view's data is on its way. */
export function LoadingState({
  label = "Loading…",
  fullPage = false,
}: {
  label?: string;
  fullPage?: boolean;
}) {
  return (
    <div
      className={fullPage ? "loading-state loading-full-page" : "loading-state"}
      role="status"
      aria-live="polite"
    >
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}
