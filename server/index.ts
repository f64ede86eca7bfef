/**
 * The package's public entry (`import … from "switchboard"`): the gateway core as an in-process
 * library. The HTTP server is a separate entry, `switchboard/server`, so importing this one
 * loads no server, GraphQL or database code.
 */
export { GatewayError, UpstreamError } from "./gateway/errors.ts";
export type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from "./gateway/spec.ts";
