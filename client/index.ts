/**
 * @switchboard/client: a typed client for the Switchboard LLM gateway's GraphQL API.
 * The operation types are generated from the gateway's schema (generated/, shipped with the
 * schema itself as `@switchboard/client/schema.graphql` for your own codegen).
 */
export { createSwitchboardClient } from "./create-switchboard-client.ts";
export type {
  BudgetAlert,
  ChatChunk,
  ChatCompletion,
  ChatObjectInput,
  ChatObjectResult,
  ChatResult,
  EmbeddingResult,
  RequestLogEvent,
  SwitchboardClient,
  SwitchboardClientOptions,
} from "./create-switchboard-client.ts";
export type { StructuredOutputOptions, StructuredOutputSchema } from "./chat-object.ts";
export type { CallOptions } from "./graphql-over-http.ts";
export type {
  ChatInput,
  ChatTool,
  ChatToolChoice,
  JsonSchema,
  ResponseFormat,
} from "./openai-shapes.ts";
export type { SubscriptionTransportName } from "./subscriptions.ts";
export { SwitchboardError, type SwitchboardErrorDetails } from "./switchboard-error.ts";
export * from "./generated/graphql.ts";
