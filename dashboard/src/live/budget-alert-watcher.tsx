import type { BudgetAlert } from "@switchboard/client";
import { useCallback } from "react";
import { useNotices } from "../app/notices";
import { useSignedInSession } from "../app/session";
import { budgetAlertNoticeId, describeBudgetAlert } from "./budget-alert-text";
import { useLiveFeed } from "./use-live-feed";

/**
 * Mounted once in the layout while signed in: each budgetThresholdReached alert (the admin gets
 * every team's and key's, a team key its own team's — the server decides) becomes a notice above
 * the page that stays until dismissed; a repeat for the same budget and period replaces it.
 */
export function BudgetAlertWatcher() {
  const { client } = useSignedInSession();
  const { push } = useNotices();
  const open = useCallback(
    (signal: AbortSignal) => client.watchBudgetAlerts({}, { signal }),
    [client],
  );
  const onItem = useCallback(
    (alert: BudgetAlert) =>
      push({
        id: budgetAlertNoticeId(alert),
        tone: "warning",
        title: "Budget alert:",
        message: <span data-testid="budget-alert-text">{describeBudgetAlert(alert)}</span>,
        testId: "budget-alert",
      }),
    [push],
  );
  useLiveFeed({ open, onItem, key: "budget-alerts" });
  return null;
}
