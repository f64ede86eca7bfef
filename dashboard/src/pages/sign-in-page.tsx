import { SwitchboardError } from "@switchboard/client";
import { useId, useState, type FormEvent } from "react";
import { Navigate, useLocation } from "react-router";
import { LoadingState } from "../components/loading-state";
import { keyRequiredMessage, rejectedKeyMessage, useSession } from "../app/session";

/** Where to go after signing in: back to the page that sent us here, never off the app. */
function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === "string" && from.startsWith("/") && !from.startsWith("/sign-in")
    ? from
    : "/";
}

/** Sign in with the master key or a team key; the gateway's `me` decides what it may see. */
export function SignInPage() {
  const { state, signIn } = useSession();
  const location = useLocation();
  const [apiKey, setApiKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const inputId = useId();

  if (state.status === "checking") return <LoadingState label="Checking your session…" fullPage />;
  if (state.status === "signed-in") return <Navigate to={returnPath(location.state)} replace />;

  async function attempt(key: string | undefined) {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key);
    } catch (caught) {
      const refused = caught instanceof SwitchboardError && caught.code === "UNAUTHENTICATED";
      setError(
        refused
          ? key === undefined
            ? keyRequiredMessage
            : rejectedKeyMessage
          : `Could not sign in: ${caught instanceof Error ? caught.message : String(caught)}`,
      );
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key) {
      setError("Enter a key: the gateway's master key or a team's API key.");
      return;
    }
    await attempt(key);
  }

  // The session's message explains why we are here (a key revoked while in use, the gateway unreachable).
  const message = error ?? state.message;
  return (
    <div className="sign-in-screen">
      <form className="card sign-in-card" onSubmit={submit} noValidate>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          Switchboard
        </div>
        <h1>Sign in</h1>
        <p className="page-description">
          With the gateway's master key to see every team, or a team's API key to see that team. The
          key is kept for this browser tab's session only.
        </p>
        {message && (
          <p className="form-error" role="alert" data-testid="sign-in-error">
            {message}
          </p>
        )}
        <div className="field">
          <label htmlFor={inputId}>API key</label>
          <input
            id={inputId}
            type="password"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
            placeholder="sk-sb-…"
          />
        </div>
        <button type="submit" className="button-primary button-block" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <div className="sign-in-without-key">
          <p className="muted">
            Started the gateway without a master key (authentication off, as on a first run)?
          </p>
          <button
            type="button"
            className="button-secondary button-block"
            disabled={busy}
            onClick={() => void attempt(undefined)}
          >
            Continue without a key
          </button>
        </div>
      </form>
    </div>
  );
}
