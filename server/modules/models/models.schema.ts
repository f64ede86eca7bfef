import { builder } from "../../graphql/builder.ts";
import type { ModelView } from "./models.service.ts";

const ModelDeployment = builder
  .objectRef<ModelView["deployments"][number]>("ModelDeployment")
  .implement({
    description: "One upstream that serves a model name.",
    fields: (t) => ({
      id: t.exposeString("id"),
      provider: t.exposeString("provider"),
      model: t.exposeString("model", { description: "The model id sent upstream." }),
      healthy: t.exposeBoolean("healthy", {
        description: "False while cooling down after repeated failures (router.cooldown).",
      }),
      cooldownUntil: t.expose("cooldownUntil", { type: "DateTime", nullable: true }),
      inFlight: t.exposeInt("inFlight", { description: "Requests open against it now." }),
      latencyMs: t.exposeInt("latencyMs", {
        nullable: true,
        description: "Recent latency (moving average); null until measured.",
      }),
      timeToFirstTokenMs: t.exposeInt("timeToFirstTokenMs", {
        nullable: true,
        description: "Recent time to first token of streams (moving average).",
      }),
    }),
  });

const ModelCapabilities = builder
  .objectRef<ModelView["capabilities"]>("ModelCapabilities")
  .implement({
    description:
      "What a model can do, from the bundled models.dev catalog (config `capabilities` wins); null when unknown.",
    fields: (t) => ({
      tools: t.exposeBoolean("tools", { nullable: true, description: "Function calling." }),
      vision: t.exposeBoolean("vision", {
        nullable: true,
        description: "Image parts in user messages.",
      }),
      jsonSchema: t.exposeBoolean("jsonSchema", {
        nullable: true,
        description: "response_format json_schema (native, or through a forced tool).",
      }),
      embeddings: t.exposeBoolean("embeddings", {
        nullable: true,
        description: "Serves createEmbedding / POST /v1/embeddings.",
      }),
    }),
  });

const Model = builder.objectRef<ModelView>("Model").implement({
  description: "A model name callers may send, with its context window, prices and deployments.",
  fields: (t) => ({
    name: t.exposeString("name", {
      description:
        'What clients send as "model". A name ending in "/*" serves any model of that provider.',
    }),
    provider: t.exposeString("provider"),
    isWildcard: t.exposeBoolean("isWildcard"),
    contextWindow: t.exposeInt("contextWindow", { nullable: true }),
    maxOutputTokens: t.exposeInt("maxOutputTokens", { nullable: true }),
    capabilities: t.expose("capabilities", { type: ModelCapabilities }),
    inputPricePerMillion: t.field({
      type: "Usd",
      nullable: true,
      description: "USD per million prompt tokens.",
      resolve: (model) => model.price?.inputNanoUsdPerMillion ?? null,
    }),
    cachedInputPricePerMillion: t.field({
      type: "Usd",
      nullable: true,
      resolve: (model) => model.price?.cachedInputNanoUsdPerMillion ?? null,
    }),
    outputPricePerMillion: t.field({
      type: "Usd",
      nullable: true,
      description: "USD per million completion tokens.",
      resolve: (model) => model.price?.outputNanoUsdPerMillion ?? null,
    }),
    priceSource: t.string({
      nullable: true,
      description: "config (an override) or genai-prices (the bundled price data).",
      resolve: (model) => model.price?.source ?? null,
    }),
    deployments: t.expose("deployments", { type: [ModelDeployment] }),
  }),
});

builder.queryField("models", (t) =>
  t.field({
    type: [Model],
    description: "The models the caller may use.",
    // A team key sees the models its allow-list names (wildcards included when listed by name).
    resolve: (_root, _args, { principal, services }) => {
      const allowed = principal.allowedModels;
      return allowed
        ? services.models.list().filter((model) => allowed.includes(model.name))
        : services.models.list();
    },
  }),
);
