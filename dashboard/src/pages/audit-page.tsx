import { EmptyState } from "../components/empty-state";
import { PageHeader } from "../components/page-header";

// Routed and linked already; the page itself is built on this scaffold separately (DESIGN §12).
export function AuditPage() {
  return (
    <>
      <PageHeader title="Audit" description="Every admin change and failed sign-in, newest first." />
      <EmptyState title="This page is not built yet." />
    </>
  );
}
