import type { IncomingMessage, ServerResponse } from "node:http";
import {
  GraphQLError,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import { processRegularResult, type FetchAPI, type YogaServerInstance } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import type { GraphQLContext } from "../graphql/context.ts";
import { createCompiledExecutor } from "./graphql-compiled-executor.ts";
import { limitValidationRules, parseWithTokenLimit, type GraphQLLimits } from "./graphql-limits.ts";
import { maxBodyBytes, readBody } from "./read-json-body.ts";
import { acceptedIncomingRequestId } from "./request-id.ts";
import { abortSignalOf, type CallerCancellation } from "../gateway/request-deadline.ts";
import { ResponseClosed } from "./completion-exchange.ts";
import type { HeaderReader } from "./yoga.ts";

/** The media types Yoga's regular (non-streaming) result processor answers with. */
type JsonMediaType = "application/graphql-response+json" | "application/json";

/** One operation of a JSON body, as GraphQL over HTTP defines it. */
interface OperationParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** What Yoga reads of the body's keys; any other key makes Yoga refuse the request. */
const expectedParameters = new Set(["query", "variables", "operationName", "extensions"]);

/** Yoga's own message for an error it masks. */
const maskedMessage = "Unexpected error.";

/**
 * `processRegularResult` builds its answer with `new fetchAPI.Response(body, init)`; this keeps
 * them as they are, so Yoga decides the status, content type and body and this path writes them.
 */
class PlainAnswer {
  constructor(
    readonly body: string,
    readonly init: { status: number; headers: Record<string, string> },
  ) {}
}
const plainFetchAPI = { Response: PlainAnswer } as unknown as FetchAPI;

/**
 * The common GraphQL-over-HTTP request answered without Yoga's pipeline: a single JSON
 * operation (query or mutation) POSTed to the endpoint by a client that takes a JSON answer.
 * Yoga's per-request machinery (Fetch Request and Response objects, body streams, envelop's
 * hooks and promise chains) cost more CPU than the operation itself (issue 16); here the body is
 * read once, the document is parsed and validated once per distinct query string (the GraphQL
 * limits included) and kept, its operation is compiled to JavaScript by graphql-jit once and run
 * compiled, and the answer is written with one `end`.
 *
 * The answer is Yoga's: the same context (caller, signal, cache-control, x-request-id), the same
 * error masking, and Yoga's own result processor for status, content type and body. Everything
 * else goes to Yoga untouched: another method, content type or Accept (event streams,
 * multipart), graphql-sse's single connection mode, a body without a content-length. A body
 * read here but not answered (invalid JSON, a batch, an unexpected parameter, a document that
 * fails to parse or validate, a subscription, no operation to run) is handed to Yoga with its
 * bytes, so Yoga answers it (and its errors) as it always has.
 */
export function createGraphQLFastPath({
  schema,
  yoga,
  endpoint,
  limits,
  introspection,
  contextOf,
  maskError,
  maxCachedDocuments = 1024,
  maxCachedQueryCharacters = 8 * 1024 * 1024,
}: {
  schema: GraphQLSchema;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  endpoint: string;
  limits: GraphQLLimits;
  introspection: boolean;
  contextOf: (caller: { header: HeaderReader; cancellation: CallerCancellation }) => GraphQLContext;
  maskError: (error: unknown, message: string) => Error;
  maxCachedDocuments?: number;
  /** Query strings are the cache's keys: their total size is bounded, and a huge one is not kept. */
  maxCachedQueryCharacters?: number;
}) {
  const executeCompiled = createCompiledExecutor(schema);
  const parse = parseWithTokenLimit(limits);
  const rules = [...specifiedRules, ...limitValidationRules(limits, { introspection })];
  // A document that fails to parse or validate is kept as `false`: Yoga answers it, every time.
  const documents = new LRUCache<string, DocumentNode | false>({
    max: maxCachedDocuments,
    maxSize: maxCachedQueryCharacters,
    maxEntrySize: maxCachedQueryCharacters / 64,
    // lru-cache wants a positive size; an empty query (refused) still takes a slot.
    sizeCalculation: (_document, query) => Math.max(1, query.length),
  });
  const counts = { answered: 0, handedToYoga: 0 };

  /** The last query checked and its verdict (see checkedDocument). */
  let lastChecked: { query?: string; document: DocumentNode | false } = { document: false };
  /** The parsed document when it passes validation and the limits, else false. */
  function checkedDocument(query: string): DocumentNode | false {
    // A client sends the same operation again and again: the last one is kept at hand, before
    // the LRU's own bookkeeping.
    if (query === lastChecked.query) return lastChecked.document;
    let document = documents.get(query);
    if (document !== undefined) {
      lastChecked = { query, document };
      return document;
    }
    try {
      document = parse(query);
      if (validate(schema, document, rules).length > 0) document = false;
    } catch {
      document = false;
    }
    documents.set(query, document);
    lastChecked = { query, document };
    return document;
  }

  /** Yoga answers a request whose body was read here, from those bytes. */
  async function handToYoga(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<void> {
    counts.handedToYoga++;
    // Only the path matters to Yoga here (the request is a POST to the endpoint, no query string).
    const answer = await yoga.fetch(`http://localhost${endpoint}`, {
      method: request.method,
      // Yoga's Node adapter builds its Request from this same object.
      headers: request.headers as HeadersInit,
      body,
      signal,
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    if (response.destroyed) return;
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => (headers[name] = value));
    response.writeHead(answer.status, headers);
    response.end(payload);
  }

  async function answerGraphQL(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const mediaType = eligibleMediaType(request, endpoint);
    if (!mediaType) {
      counts.handedToYoga++;
      return yoga(request, response);
    }
    // The caller going away before the answer cancels the operation, as under Yoga's Node
    // adapter; watched through the response's close event, with no AbortSignal unless one is
    // needed (REST's contexts do the same, completion-exchange.ts).
    const cancellation = new ResponseClosed(response);
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      // The caller went away mid-body (its length is known and allowed): no one to answer.
      response.destroy();
      return;
    }
    const params = operationParamsOf(body);
    const document = params && checkedDocument(params.query);
    const operation = document && getOperationAST(document, params.operationName);
    if (!operation || operation.operation === "subscription")
      return handToYoga(request, response, body, abortSignalOf(cancellation));
    counts.answered++;

    const header: HeaderReader = (name) => request.headers[name];
    let result: ExecutionResult;
    try {
      const contextValue = contextOf({ header, cancellation });
      result = await executeCompiled({
        document: document as DocumentNode,
        contextValue,
        variableValues: params.variables,
        operationName: params.operationName,
      });
      // Without data, the operation never ran (its variables were refused): Yoga's executor
      // answers that with 400 whatever the Accept, as a request error.
      if (!("data" in result) && result.errors) result.errors.forEach(asRequestError);
      if (result.errors)
        result = { ...result, errors: result.errors.map((error) => maskedError(error)) };
    } catch (error) {
      // The context refused the caller (a GraphQLError with its status) or failed unexpectedly.
      result = { errors: [maskedError(error)] };
    }
    const { body: answer, init } = processRegularResult(
      result,
      plainFetchAPI,
      mediaType,
    ) as unknown as PlainAnswer;
    if (response.destroyed) return;
    const headers: Record<string, string | number> = {
      ...init.headers,
      "content-length": Buffer.byteLength(answer),
    };
    const requestId = acceptedIncomingRequestId(request.headers["x-request-id"]);
    if (requestId) headers["x-request-id"] = requestId;
    response.writeHead(init.status, headers);
    response.end(answer);
  }

  /** Yoga's handling of an error masked: its maskError, and a GraphQLError whatever it returns. */
  function maskedError(error: unknown): GraphQLError {
    const masked = maskError(error, maskedMessage);
    return masked instanceof GraphQLError
      ? masked
      : new GraphQLError(masked.message, { originalError: masked });
  }

  return {
    /** Answers a request to the GraphQL endpoint, itself or through Yoga. */
    answer: answerGraphQL,
    /** How many requests this path answered and how many it handed to Yoga (tests, diagnostics). */
    counts: counts as Readonly<typeof counts>,
    /** Distinct query strings whose checked document (or refusal) is kept. */
    get cachedDocuments(): number {
      return documents.size;
    },
  };
}

export type GraphQLFastPath = ReturnType<typeof createGraphQLFastPath>;

/**
 * The JSON media type Yoga would answer a query or mutation with, for a request this path may
 * take (decided from the request line and headers alone, before the body is read); undefined
 * sends the request to Yoga as it is.
 */
function eligibleMediaType(request: IncomingMessage, endpoint: string): JsonMediaType | undefined {
  const headers = request.headers;
  if (request.method !== "POST" || request.url !== endpoint) return undefined;
  // Yoga's JSON parser takes `application/json` with parameters, first of a (malformed) list.
  const contentType = headers["content-type"]?.split(",", 1)[0];
  if (contentType !== "application/json" && !contentType?.startsWith("application/json;"))
    return undefined;
  // graphql-sse's single connection mode (sse-single-connection.ts) is Yoga's.
  if (headers["x-graphql-event-stream-token"] !== undefined) return undefined;
  // A known, bounded length: the body is read whole, and Yoga refuses what is too large.
  const length = headers["content-length"];
  if (!length || !/^\d+$/.test(length) || Number(length) === 0 || Number(length) > maxBodyBytes)
    return undefined;
  return acceptedJsonMediaType(headers.accept);
}

/**
 * Yoga's choice among its result processors (use-result-processor.ts, accept.ts) for a result
 * that is not a stream: the Accept header's media types, last first, and the last JSON type that
 * matches one of them wins. A client that also accepts an event stream or multipart answer is
 * left to Yoga.
 */
function acceptedJsonMediaType(accept: string | undefined): JsonMediaType | undefined {
  // A client sends the same Accept on every request: decided once per distinct header.
  const known = acceptDecisions.get(accept);
  if (known !== undefined || acceptDecisions.has(accept)) return known;
  const decided = decideJsonMediaType(accept);
  if (acceptDecisions.size >= acceptDecisionLimit) acceptDecisions.clear();
  acceptDecisions.set(accept, decided);
  return decided;
}

/** Accept headers seen and what they chose; bounded, since callers choose the header. */
const acceptDecisions = new Map<string | undefined, JsonMediaType | undefined>();
const acceptDecisionLimit = 256;

function decideJsonMediaType(accept: string | undefined): JsonMediaType | undefined {
  let chosen: JsonMediaType | undefined;
  const requested = (accept || "*/*").replace(/\s/g, "").toLowerCase().split(",").reverse();
  for (const entry of requested) {
    const [mediaType, ...parameters] = entry.split(";");
    const charset = parameters.find((parameter) => parameter.includes("charset="));
    if (charset !== undefined && charset !== "charset=utf-8") continue;
    if (mediaType === "text/event-stream" || mediaType === "multipart/mixed") return undefined;
    const [type, subtype] = mediaType.split("/");
    for (const candidate of ["application/graphql-response+json", "application/json"] as const) {
      const [candidateType, candidateSubtype] = candidate.split("/");
      if (
        (type === "*" || type === candidateType) &&
        (subtype === "*" || subtype === candidateSubtype)
      )
        chosen = candidate;
    }
  }
  return chosen;
}

/** The body as one operation this path runs, or undefined for anything Yoga should judge. */
function operationParamsOf(body: Buffer): OperationParams | undefined {
  let params: unknown;
  try {
    params = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) return undefined;
  const { query, variables, operationName } = params as Record<string, unknown>;
  if (typeof query !== "string") return undefined;
  for (const key in params)
    if (!expectedParameters.has(key) && (params as Record<string, unknown>)[key] != null)
      return undefined;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables)))
    return undefined;
  if (operationName != null && typeof operationName !== "string") return undefined;
  const { extensions } = params as Record<string, unknown>;
  if (extensions != null && (typeof extensions !== "object" || Array.isArray(extensions)))
    return undefined;
  return params as OperationParams;
}

/** As Yoga's executor (@graphql-tools/executor) marks an error found before execution: HTTP 400. */
function asRequestError(error: GraphQLError): void {
  Object.defineProperty(error, "extensions", {
    value: {
      ...error.extensions,
      http: { ...(error.extensions?.http as object | undefined), status: 400 },
    },
  });
}
