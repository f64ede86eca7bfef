import { NavLink, Outlet, useLocation } from "react-router";
import { BudgetAlertWatcher } from "../live/budget-alert-watcher";
import { ErrorBoundary } from "./error-boundary";
import { NoticeArea } from "./notices";
import { useSignedInSession } from "./session";

interface NavigationItem {
  to: string;
  label: string;
  /** Pages whose data the gateway gives the admin only (keys and the audit trail). */
  adminOnly?: boolean;
}

/** The left navigation, in order. Models, Logs and Audit are routed in routes.tsx. */
export const navigationItems: readonly NavigationItem[] = [
  { to: "/", label: "Overview" },
  { to: "/teams", label: "Teams" },
  { to: "/keys", label: "Keys", adminOnly: true },
  { to: "/models", label: "Models" },
  { to: "/logs", label: "Logs" },
  { to: "/audit", label: "Audit", adminOnly: true },
];

/** Every signed-in page: navigation on the left, who is signed in and the notices on top. */
export function Layout() {
  const { principal, isAdmin, authenticationOff, signOut } = useSignedInSession();
  const location = useLocation();
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          Switchboard
        </div>
        <nav aria-label="Main">
          <ul>
            {navigationItems
              .filter((item) => isAdmin || !item.adminOnly)
              .map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === "/"}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
      </aside>
      <div className="main-column">
        <header className="topbar">
          <div className="who" data-testid="signed-in-as">
            Signed in as <strong>{principal.name}</strong>{" "}
            <span className={`badge ${isAdmin ? "badge-admin" : "badge-team"}`}>
              {isAdmin ? "Admin" : "Team key"}
            </span>
          </div>
          <button type="button" className="button-secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </header>
        {authenticationOff && (
          <p className="auth-off" role="note" data-testid="authentication-off">
            Authentication is off: this gateway has no master key, so anyone who can reach it is the
            admin. Set <code>SWITCHBOARD_MASTER_KEY</code> (or <code>auth.masterKey</code>) to
            require a key.
          </p>
        )}
        <NoticeArea />
        {/* Budget alerts (budgetThresholdReached) become notices on every page while signed in. */}
        <BudgetAlertWatcher />
        <main className="page">
          {/* A fresh boundary per page: an error on one page is gone once you navigate away. */}
          <ErrorBoundary key={location.pathname}>
            <Outlet />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
