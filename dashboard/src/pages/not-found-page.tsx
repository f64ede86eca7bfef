import { Link } from "react-router";
import { EmptyState } from "../components/empty-state";
import { PageHeader } from "../components/page-header";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState
        title="There is no dashboard page at this address."
        action={<Link to="/">Go to the Overview</Link>}
      />
    </>
  );
}
