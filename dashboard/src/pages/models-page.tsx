import { EmptyState } from "../components/empty-state";
import { PageHeader } from "../components/page-header";

// Routed and linked already; the page itself is built on this scaffold separately (DESIGN §12).
export function ModelsPage() {
  return (
    <>
      <PageHeader title="Models" description="Every model with its provider, context window, prices, capabilities and the health of each deployment." />
      <EmptyState title="This page is not built yet." />
    </>
  );
}
