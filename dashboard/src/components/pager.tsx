/** Previous and Next over cursor pages; the page number is for orientation only. */
export function Pager({
  page,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  busy = false,
}: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  busy?: boolean;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        className="button-secondary"
        onClick={onPrevious}
        disabled={!hasPrevious || busy}
      >
        Previous
      </button>
      <span className="pager-page" aria-live="polite">
        Page {page}
      </span>
      <button
        type="button"
        className="button-secondary"
        onClick={onNext}
        disabled={!hasNext || busy}
      >
        Next
      </button>
    </nav>
  );
}
