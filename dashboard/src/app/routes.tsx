import { BrowserRouter, Route, Routes } from "react-router";
import { AuditPage } from "../pages/audit-page";
import { KeysPage } from "../pages/keys/keys-page";
import { LogsPage } from "../pages/logs-page";
import { ModelsPage } from "../pages/models-page";
import { NotFoundPage } from "../pages/not-found-page";
import { OverviewPage } from "../pages/overview/overview-page";
import { SignInPage } from "../pages/sign-in-page";
import { TeamPage } from "../pages/teams/team-page";
import { TeamsPage } from "../pages/teams/teams-page";
import { Layout } from "./layout";
import { RequireSession } from "./require-session";

// Every page's own code is small and in the main bundle, so its query starts as it mounts (a
// lazy page cost a round trip for its chunk plus React's 300 ms Suspense reveal throttle before
// its query was even sent). Only the chart library loads apart (components/lazy-charts).

/** The gateway serves the app under /dashboard; every path here is below it. */
export function AppRoutes() {
  return (
    <BrowserRouter basename="/dashboard">
      <Routes>
        <Route path="sign-in" element={<SignInPage />} />
        <Route
          element={
            <RequireSession>
              <Layout />
            </RequireSession>
          }
        >
          <Route index element={<OverviewPage />} />
          <Route path="teams" element={<TeamsPage />} />
          <Route path="teams/:id" element={<TeamPage />} />
          <Route path="keys" element={<KeysPage />} />
          <Route path="models" element={<ModelsPage />} />
          <Route path="logs" element={<LogsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
