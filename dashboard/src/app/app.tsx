import { NoticeProvider } from "./notices";
import { AppRoutes } from "./routes";
import { SessionProvider } from "./session";

/** The whole dashboard: the session (and its query cache), the notices, the pages. */
export function App() {
  return (
    <SessionProvider>
      <NoticeProvider>
        <AppRoutes />
      </NoticeProvider>
    </SessionProvider>
  );
}
