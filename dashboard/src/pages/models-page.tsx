import { Fragment, useMemo, useState } from "react";
import { useClientQuery } from "../app/use-gateway-query";
import { useNow } from "../app/use-now";
import { EmptyState } from "../components/empty-state";
import { ErrorState } from "../components/error-state";
import { GettingStarted } from "../components/getting-started";
import { LoadingState } from "../components/loading-state";
import { PageHeader } from "../components/page-header";
import type { ModelsQuery } from "@switchboard/client";
import {
  capabilityMark,
  deploymentHealth,
  formatMilliseconds,
  formatPricePerMillion,
  formatTimeOfDay,
  formatTokenCount,
  isDemoModel,
  type CapabilityMark,
} from "./models/model-format";
import "./models/models.css";

type Model = ModelsQuery["models"][number];
type Deployment = Model["deployments"][number];

/** How often deployment health is asked for again while the page is open. */
const refreshMs = 5000;

const capabilityColumns: ReadonlyArray<{ key: keyof Model["capabilities"]; label: string }> = [
  { key: "tools", label: "Tools" },
  { key: "vision", label: "Vision" },
  { key: "jsonSchema", label: "JSON schema" },
  { key: "embeddings", label: "Embeddings" },
];

const markText: Record<CapabilityMark, { symbol: string; word: string }> = {
  yes: { symbol: "✓", word: "Yes" },
  no: { symbol: "✗", word: "No" },
  unknown: { symbol: "?", word: "Unknown" },
};

/** The columns of a model's row; its deployments span them all underneath. */
const columnCount = 7 + capabilityColumns.length;

function Capability({ value, label }: { value: boolean | null; label: string }) {
  const mark = capabilityMark(value);
  return (
    <span
      className={`capability capability-${mark}`}
      data-capability={mark}
      title={`${label}: ${markText[mark].word.toLowerCase()}`}
    >
      <span aria-hidden="true">{markText[mark].symbol}</span> {markText[mark].word}
    </span>
  );
}

function DeploymentHealth({ deployment, now }: { deployment: Deployment; now: Date }) {
  const health = deploymentHealth(deployment, { now });
  return (
    <span
      className={`badge badge-health-${health.state}`}
      data-testid="deployment-health"
      data-health={health.state}
    >
      {health.text}
    </span>
  );
}

function Deployments({ model, now }: { model: Model; now: Date }) {
  if (model.deployments.length === 0)
    return <p className="muted deployments-none">No deployment serves this model.</p>;
  return (
    <table className="deployments-table">
      <caption className="visually-hidden">Deployments of {model.name}</caption>
      <thead>
        <tr>
          <th scope="col">Deployment</th>
          <th scope="col">Upstream model</th>
          <th scope="col">Health</th>
          <th scope="col" className="align-end">
            In flight
          </th>
          <th scope="col" className="align-end">
            Latency
          </th>
          <th scope="col" className="align-end">
            TTFT
          </th>
        </tr>
      </thead>
      <tbody>
        {model.deployments.map((deployment) => (
          <tr key={deployment.id} data-testid="deployment-row">
            <td>
              <code>{deployment.id}</code>
            </td>
            <td>
              {deployment.provider} · <code>{deployment.model}</code>
            </td>
            <td>
              <DeploymentHealth deployment={deployment} now={now} />
            </td>
            <td className="align-end">{deployment.inFlight}</td>
            <td className="align-end">{formatMilliseconds(deployment.latencyMs)}</td>
            <td className="align-end" title="Time to first token of streams (moving average)">
              {formatMilliseconds(deployment.timeToFirstTokenMs)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ModelRows({ model, now }: { model: Model; now: Date }) {
  return (
    <Fragment>
      <tr className="model-row" data-testid="model-row" data-model={model.name}>
        <td>
          <div className="model-name">
            <strong>{model.name}</strong>
            {isDemoModel(model) && (
              <span
                className="badge badge-demo"
                data-testid="demo-badge"
                title="The built-in echo model of switchboard --demo: not a real provider"
              >
                demo
              </span>
            )}
            {model.isWildcard && (
              <span className="badge" title="Serves any model name of its provider">
                wildcard
              </span>
            )}
          </div>
          {model.priceSource && <span className="cell-detail">prices: {model.priceSource}</span>}
        </td>
        <td>{model.provider}</td>
        <td className="align-end">{formatTokenCount(model.contextWindow)}</td>
        <td className="align-end">{formatTokenCount(model.maxOutputTokens)}</td>
        <td className="align-end">{formatPricePerMillion(model.inputPricePerMillion)}</td>
        <td className="align-end">{formatPricePerMillion(model.outputPricePerMillion)}</td>
        <td className="align-end">{formatPricePerMillion(model.cachedInputPricePerMillion)}</td>
        {capabilityColumns.map((column) => (
          <td key={column.key}>
            <Capability value={model.capabilities[column.key]} label={column.label} />
          </td>
        ))}
      </tr>
      <tr className="deployments-row">
        <td colSpan={columnCount}>
          <Deployments model={model} now={now} />
        </td>
      </tr>
    </Fragment>
  );
}

/**
 * Every model the signed-in key may use: provider, context window, prices per million tokens,
 * capabilities, and each deployment's health, asked for again every 5 seconds (client.models, one
 * request).
 */
export function ModelsPage() {
  const query = useClientQuery(["Models"], (client, signal) => client.models({ signal }), {
    refetchInterval: refreshMs,
  });
  const now = useNow();
  const [search, setSearch] = useState("");
  const models = query.data;
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    if (!models || !needle) return models ?? [];
    return models.filter(
      (model) =>
        model.name.toLowerCase().includes(needle) ||
        model.provider.toLowerCase().includes(needle) ||
        model.deployments.some((deployment) => deployment.id.toLowerCase().includes(needle)),
    );
  }, [models, search]);

  const updated = query.dataUpdatedAt
    ? formatTimeOfDay(new Date(query.dataUpdatedAt).toISOString())
    : undefined;

  return (
    <>
      <PageHeader
        title="Models"
        description="Every model you may call, with its provider, context window, prices, capabilities and the health of each deployment."
      />
      {query.isPending ? (
        <LoadingState label="Loading models…" />
      ) : query.isError && !models ? (
        <ErrorState
          error={query.error}
          title="Could not load the models"
          onRetry={() => void query.refetch()}
        />
      ) : models && models.length === 0 ? (
        <GettingStarted modelNames={[]} />
      ) : (
        <>
          <div className="toolbar models-toolbar">
            <label className="inline-field">
              Find
              <input
                type="search"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
                placeholder="Model, provider or deployment"
                aria-label="Find a model"
              />
            </label>
            <span className="muted" data-testid="models-updated" role="status">
              {updated ? `Updated ${updated}` : ""} · refreshes every {refreshMs / 1000} s
              {query.isFetching ? " · refreshing…" : ""}
            </span>
          </div>
          {query.isError && (
            <p className="refresh-error" role="alert">
              Could not refresh: {query.error.message}. Showing what was loaded at {updated}.
            </p>
          )}
          <div className="card card-flush">
            {shown.length === 0 ? (
              <EmptyState title="No model matches.">
                Nothing is called “{search.trim()}”.{" "}
                <button type="button" className="button-quiet" onClick={() => setSearch("")}>
                  Show every model
                </button>
              </EmptyState>
            ) : (
              <div className="table-scroll">
                <table className="data-table models-table">
                  <caption className="visually-hidden">Models and their deployments</caption>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Provider</th>
                      <th scope="col" className="align-end" title="Context window, in tokens">
                        Context
                      </th>
                      <th scope="col" className="align-end" title="Most output tokens per request">
                        Max output
                      </th>
                      <th scope="col" className="align-end" title="USD per million prompt tokens">
                        Input / 1M
                      </th>
                      <th
                        scope="col"
                        className="align-end"
                        title="USD per million completion tokens"
                      >
                        Output / 1M
                      </th>
                      <th
                        scope="col"
                        className="align-end"
                        title="USD per million cached prompt tokens"
                      >
                        Cached / 1M
                      </th>
                      {capabilityColumns.map((column) => (
                        <th key={column.key} scope="col">
                          {column.label}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((model) => (
                      <ModelRows key={model.name} model={model} now={now} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
          <p className="small-print">
            Prices are USD per million tokens. Capabilities come from the bundled models.dev catalog
            (config overrides win); “Unknown” where it has no entry. Latency and time to first token
            (TTFT) are moving averages of recent requests.
          </p>
        </>
      )}
    </>
  );
}
