import { lazy } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { SignInPage } from "../pages/sign-in-page";
import { Layout } from "./layout";
import { RequireSession } from "./require-session";

// Pages load on first visit (the layout shows a loading state meanwhile): the sign-in page stays
// small, and the chart library comes only with the pages that draw charts.
const OverviewPage = lazy(() => import("../pages/overview/overview-page").then((module) => ({ default: module.OverviewPage })));
const TeamsPage = lazy(() => import("../pages/teams/teams-page").then((module) => ({ default: module.TeamsPage })));
const TeamPage = lazy(() => import("../pages/teams/team-page").then((module) => ({ default: module.TeamPage })));
const KeysPage = lazy(() => import("../pages/keys/keys-page").then((module) => ({ default: module.KeysPage })));
const ModelsPage = lazy(() => import("../pages/models-page").then((module) => ({ default: module.ModelsPage })));
const LogsPage = lazy(() => import("../pages/logs-page").then((module) => ({ default: module.LogsPage })));
const AuditPage = lazy(() => import("../pages/audit-page").then((module) => ({ default: module.AuditPage })));
const NotFoundPage = lazy(() => import("../pages/not-found-page").then((module) => ({ default: module.NotFoundPage })));

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
