import {
  useEffect,
  useState,
  type ComponentProps,
  type ComponentType,
  type ReactElement,
} from "react";
import type { SpendByModelChart as SpendByModelChartComponent } from "./spend-by-model-chart";
import type { SpendPerDayChart as SpendPerDayChartComponent } from "./spend-per-day-chart";

/*
 * The chart library is most of the app's weight, so the two charts load apart from the pages:
 * every page's own code is in the main bundle and sends its query the moment it mounts, and the
 * pages with charts start fetching the library at the same time (preloadCharts), so the charts
 * arrive with the data instead of after it.
 *
 * Not React.lazy: a lazy component suspends on its first render even when its module has long
 * arrived, and React then holds the Suspense fallback for at least 300 ms — charts showed ~400 ms
 * after their data. A component loaded here renders at once when its module is already in.
 */

function preloadable<Props extends object>(load: () => Promise<ComponentType<Props>>) {
  let loaded: ComponentType<Props> | undefined;
  let loading: Promise<ComponentType<Props>> | undefined;
  const preload = () => (loading ??= load().then((component) => (loaded = component)));

  function Preloaded({ fallback, ...props }: Props & { fallback: ReactElement }) {
    const [Component, setComponent] = useState(() => loaded);
    useEffect(() => {
      if (!Component) void preload().then((component) => setComponent(() => component));
    }, [Component]);
    return Component ? <Component {...(props as Props)} /> : fallback;
  }
  return { preload, Preloaded };
}

const spendPerDay = preloadable(() =>
  import("./spend-per-day-chart").then((module) => module.SpendPerDayChart),
);
const spendByModel = preloadable(() =>
  import("./spend-by-model-chart").then((module) => module.SpendByModelChart),
);

/** Starts loading the charts; a page with charts calls it as it renders, alongside its query. */
export function preloadCharts(): void {
  void spendPerDay.preload();
  void spendByModel.preload();
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
    <spendPerDay.Preloaded
      {...props}
      fallback={<ChartPlaceholder testId={props.testId} title={props.title ?? "Spend per day"} />}
    />
  );
}

export function SpendByModelChart(props: ComponentProps<typeof SpendByModelChartComponent>) {
  return (
    <spendByModel.Preloaded
      {...props}
      fallback={<ChartPlaceholder testId={props.testId} title={props.title} />}
    />
  );
}
