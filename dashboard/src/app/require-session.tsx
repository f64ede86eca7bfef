import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { LoadingState } from "../components/loading-state";
import { useSession } from "./session";

/** Pages behind it need a signed-in key: anyone else is sent to sign in, and comes back after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === "checking") return <LoadingState label="Checking your session…" fullPage />;
  if (state.status === "signed-out")
    return (
      <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />
    );
  return <>{children}</>;
}
