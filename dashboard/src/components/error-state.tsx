import { SwitchboardError } from "@switchboard/client";

/** Words for the codes a page may meet, beside the gateway's own message. */
function explanationOf(error: unknown): string | undefined {
  if (!(error instanceof SwitchboardError)) return undefined;
  switch (error.code) {
    case "FORBIDDEN":
      return "Only the admin (the master key) can see this.";
    case "NETWORK_ERROR":
      return "The gateway did not answer. Is it running?";
    default:
      return undefined;
  }
}

/** A view that could not load: what went wrong, in the gateway's words, and a way to try again. */
export function ErrorState({
  error,
  title = "Could not load this",
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const message = error instanceof Error ? error.message : String(error);
  const explanation = explanationOf(error);
  return (
    <div className="error-state" role="alert" data-testid="error-state">
      <strong>{title}</strong>
      {explanation && <p>{explanation}</p>}
      <p className="error-message">{message}</p>
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
