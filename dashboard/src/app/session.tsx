import {
  createSwitchboardClient,
  SwitchboardError,
  type MeQuery,
  type SwitchboardClient,
} from "@switchboard/client";
import { QueryClientProvider } from "@tanstack/react-query";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { createDashboardQueryClient } from "./query-client";

/** Who is signed in, as the gateway's `me` answers. */
export type Principal = MeQuery["me"];

export type SessionState =
  | { status: "checking" }
  | { status: "signed-out"; message?: string }
  | {
      status: "signed-in";
      client: SwitchboardClient;
      principal: Principal;
      authenticationOff: boolean;
    };

interface SessionContextValue {
  state: SessionState;
  /**
   * Checks the key with `me` and keeps it for this browser session; without a key, checks that the
   * gateway has authentication off. Rejects with SwitchboardError.
   */
  signIn(apiKey: string | undefined): Promise<void>;
  /** Forgets the key, closes the client's connections and empties the cache; `message` is shown on the sign-in page. */
  signOut(message?: string): void;
}

/** Shown when the gateway refuses a key, at sign-in or later while signed in. */
export const rejectedKeyMessage = "That key was not accepted: it is wrong, revoked or expired.";

/** Shown when "continue without a key" meets a gateway that has a master key. */
export const keyRequiredMessage =
  "This gateway requires a key: it has a master key, so authentication is on.";

/** What is stored for a session without a key (a gateway with authentication off). */
const noKey = "";

// sessionStorage, not localStorage: the key is gone when the browser session ends (issue: "kept
// for the browser session only"), and other tabs do not share it.
const storageKey = "switchboard.dashboard.apiKey";

function graphQLUrl(): string {
  return new URL("/graphql", window.location.origin).href;
}

function readStoredKey(): string | undefined {
  try {
    return window.sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined; // storage disabled: the key lives in memory until reload
  }
}

function storeKey(apiKey: string | undefined): void {
  try {
    if (apiKey === undefined) window.sessionStorage.removeItem(storageKey);
    else window.sessionStorage.setItem(storageKey, apiKey);
  } catch {
    // storage disabled: nothing to keep or clear
  }
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/**
 * Holds the signed-in key and its client, and the query cache that goes with them. On load it
 * tries the stored key, if any. It never asks the gateway without being asked to: a request
 * without a key is a refused one (HTTP 401, and an auth.failure in the audit log) on a gateway
 * with a master key, so "no key" is only tried when the user chooses to continue without one.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "checking" });
  const stateRef = useRef(state);
  stateRef.current = state;

  // The query client outlives sign-ins (it is emptied instead), and reaches signOut through a ref
  // because signOut needs the client in turn.
  const signOutRef = useRef<(message?: string) => void>(() => undefined);
  const [queryClient] = useState(() =>
    createDashboardQueryClient({
      onUnauthenticated: () => {
        if (stateRef.current.status === "signed-in") signOutRef.current(rejectedKeyMessage);
      },
    }),
  );

  const signOut = useCallback(
    (message?: string) => {
      const current = stateRef.current;
      if (current.status === "signed-in") current.client.close();
      storeKey(undefined);
      queryClient.clear();
      setState({ status: "signed-out", message });
    },
    [queryClient],
  );
  signOutRef.current = signOut;

  useEffect(() => {
    const controller = new AbortController();
    const storedKey = readStoredKey();
    if (storedKey === undefined) {
      setState({ status: "signed-out" });
      return;
    }
    const client = createSwitchboardClient({ url: graphQLUrl(), apiKey: storedKey || undefined });
    client.me({ signal: controller.signal }).then(
      (principal) =>
        setState({
          status: "signed-in",
          client,
          principal,
          authenticationOff: storedKey === noKey,
        }),
      (error: unknown) => {
        client.close();
        if (controller.signal.aborted) return;
        const code = error instanceof SwitchboardError ? error.code : undefined;
        // Only a refused key is forgotten: after a network failure a reload tries the same key again.
        if (code === "UNAUTHENTICATED") storeKey(undefined);
        const message =
          code === "UNAUTHENTICATED"
            ? storedKey === noKey
              ? keyRequiredMessage
              : rejectedKeyMessage
            : `Could not reach the gateway: ${error instanceof Error ? error.message : String(error)}`;
        setState({ status: "signed-out", message });
      },
    );
    return () => {
      controller.abort();
      client.close();
    };
  }, []);

  const signIn = useCallback(
    async (apiKey: string | undefined) => {
      const client = createSwitchboardClient({ url: graphQLUrl(), apiKey });
      try {
        const principal = await client.me();
        const previous = stateRef.current;
        if (previous.status === "signed-in") previous.client.close();
        storeKey(apiKey ?? noKey);
        queryClient.clear();
        setState({
          status: "signed-in",
          client,
          principal,
          authenticationOff: apiKey === undefined,
        });
      } catch (error) {
        client.close();
        throw error;
      }
    },
    [queryClient],
  );

  const value = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return (
    <SessionContext.Provider value={value}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </SessionContext.Provider>
  );
}

/** The session, whatever its state (the sign-in page and the guard use it). */
export function useSession(): SessionContextValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession() needs a <SessionProvider> above it.");
  return session;
}

/** The signed-in session; only inside pages behind the sign-in guard. */
export function useSignedInSession(): Extract<SessionState, { status: "signed-in" }> & {
  signOut: SessionContextValue["signOut"];
  isAdmin: boolean;
} {
  const { state, signOut } = useSession();
  if (state.status !== "signed-in")
    throw new Error("useSignedInSession() is only for pages behind the sign-in guard.");
  return { ...state, signOut, isAdmin: state.principal.kind === "ADMIN" };
}
