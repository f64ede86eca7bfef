import { EmptyState } from "../components/empty-state";
import { PageHeader } from "../components/page-header";

// Routed and linked already; the page itself is built on this scaffold separately (DESIGN §12).
export function LogsPage() {
  return (
    <>
      <PageHeader title="Logs" description="A live tail of requests as they finish, and their history with filters." />
      <EmptyState title="This page is not built yet." />
    </>
  );
}
