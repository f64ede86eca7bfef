import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { SwitchboardError } from "@switchboard/client";

/** Codes that the same request would get again: retrying only delays the message. */
const finalCodes = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_REQUEST",
  "NOT_FOUND",
  "CANCELLED",
]);

/** Whether an error means the signed-in key is no longer accepted (revoked or expired while in use). */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof SwitchboardError && error.code === "UNAUTHENTICATED";
}

/**
 * The dashboard's cache of GraphQL answers. A request refused as UNAUTHENTICATED (the key was
 * revoked while signed in) ends the session wherever it happens, so every page does not have
 * to check for it.
 */
export function createDashboardQueryClient({
  onUnauthenticated,
}: {
  onUnauthenticated: () => void;
}): QueryClient {
  const handle = (error: unknown) => {
    if (isUnauthenticated(error)) onUnauthenticated();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError: handle }),
    mutationCache: new MutationCache({ onError: handle }),
    defaultOptions: {
      queries: {
        // Spend moves all the time: a page opened again shows what it had at once and refetches
        // behind it, so numbers are never older than the visit.
        staleTime: 0,
        retry: (failureCount, error) =>
          !(error instanceof SwitchboardError && error.code && finalCodes.has(error.code)) &&
          failureCount < 2,
      },
      mutations: { retry: false },
    },
  });
}
