/**
 * The package's public entry (`import … from "switchboard"`): the gateway core as an in-process
 * library (DESIGN §12). The HTTP server is the `switchboard` command (dist/main.js); importing
 * this entry loads no server, GraphQL or database code — storage is imported only when a
 * config names a database.
 */
export { createGateway } from "./sdk/create-gateway.ts";
export { InvalidOutputError } from "./sdk/completion-object.ts";
export type {
  Completion,
  CompletionFacts,
  CompletionObject,
  CompletionObjectRequest,
  CompletionRequest,
  EmbedRequest,
  Embedding,
  Gateway,
  GatewayOptions,
  GatewayStream,
  ModelChoice,
  StreamFacts,
  StructuredOutputSchema,
} from "./sdk/gateway-types.ts";
export { ConfigError, type ConfigObject } from "./config.ts";
export {
  GatewayError,
  UpstreamError,
  type FailedRequest,
  type GatewayErrorCode,
} from "./gateway/errors.ts";
export type {
  ChatChunk,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  FinishReason,
  Usage,
} from "./gateway/spec.ts";
