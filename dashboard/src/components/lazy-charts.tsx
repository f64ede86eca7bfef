import { lazy, Suspense, type ComponentProps } from "react";
import type { SpendByModelChart as SpendByModelChartComponent } from "./spend-by-model-chart";
import type { SpendPerDayChart as SpendPerDayChartComponent } from "./spend-per-day-chart";

/*
 * The chart library is most of the app's weight, so the two charts load apart from the pages:
 * every page's own code is in the main bundle and sends its query the moment it mounts, and the
 * pages with charts start fetching the library at the same time (preloadCharts), so the charts
 * arrive with the data instead of after it.
 */

const loadSpendPerDayChart = () => import("./spend-per-day-chart");
const loadSpendByModelChart = () => import("./spend-by-model-chart");

const SpendPerDay = lazy(() => loadSpendPerDayChart().then((module) => ({ default: module.SpendPerDayChart })));
const SpendByModel = lazy(() => loadSpendByModelChart().then((module) => ({ default: module.SpendByModelChart })));

/** Starts loading the charts; a page with charts calls it as it renders, alongside its query. */
export function preloadCharts(): void {
  void loadSpendPerDayChart();
  void loadSpendByModelChart();
}

function ChartPlaceholder({ testId, title }: { testId: string; title: string }) {
  return (
    <section className="card chart-card" data-testid={testId} aria-busy="true">
      <h2>{title}</h2>
      <p className="muted">Loading the chart…</p>
    </section>
  );
}

export function SpendPerDayChart(props: ComponentProps<typeof SpendPerDayChartComponent>) {
  return (
    <Suspense fallback={<ChartPlaceholder testId={props.testId} title={props.title ?? "Spend per day"} />}>
      <SpendPerDay {...props} />
    </Suspense>
  );
}

export function SpendByModelChart(props: ComponentProps<typeof SpendByModelChartComponent>) {
  return (
    <Suspense fallback={<ChartPlaceholder testId={props.testId} title={props.title} />}>
      <SpendByModel {...props} />
    </Suspense>
  );
}
