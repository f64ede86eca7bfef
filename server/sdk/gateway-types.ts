import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import type { Dispatcher } from "undici";
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  FinishReason,
  Usage,
} from "../gateway/spec.ts";

/*
 * The SDK's public types. Requests are OpenAI's (snake_case, as the REST body), with `model`
 * a name or a list of names tried in order, and a `signal` that cancels the upstream call.
 * Answers are OpenAI's, with what the gateway did under `switchboard`.
 */

/** A type's named fields without its index signature, so `Omit` keeps them. */
type NamedFields<Type> = {
  [Key in keyof Type as string extends Key ? never : number extends Key ? never : Key]: Type[Key];
};

/** A model name (`gpt-4o`, `anthropic/claude-sonnet-4`), or a list tried in order: each with its own retries, then the next. */
export type ModelChoice = string | readonly string[];

type ChatFields = Omit<
  NamedFields<ChatRequest>,
  "model" | "stream" | "stream_options" | "response_format"
>;

/** OpenAI's chat request. Fields the gateway does not know are passed to the provider as they are. */
export interface CompletionRequest extends ChatFields {
  model: ModelChoice;
  response_format?: unknown;
  /** Aborting it cancels the request and closes the upstream connection (GatewayError CANCELLED). */
  signal?: AbortSignal;
  [field: string]: unknown;
}

/** OpenAI's embeddings request, with `model` a name or a list. */
export interface EmbedRequest extends Omit<NamedFields<EmbeddingRequest>, "model"> {
  model: ModelChoice;
  signal?: AbortSignal;
  [field: string]: unknown;
}

/** What the gateway did for one answer. */
export interface CompletionFacts {
  requestId: string;
  /** The model name that answered: the requested one, or the fallback it went to. */
  model: string;
  provider: string;
  /** `provider:upstream-model#n`, n being the entry's index in the config's models. */
  deployment: string;
  /** Upstream attempts it took (1 when the first deployment answered; 0 from the response cache). */
  attempts: number;
  /** Present (true) when the answer came from the response cache (config `cache`): it cost nothing. */
  cached?: true;
  /** Exact cost in USD as a decimal string ("0.000125"): the config's pricing, else the bundled price data, else "0". */
  costUsd: string;
  latencyMs: number;
}

/** OpenAI's ChatCompletion, plus what the gateway did. */
export type Completion = ChatResponse & { switchboard: CompletionFacts };

/** OpenAI's embeddings answer, plus what the gateway did. */
export type Embedding = EmbeddingResponse & { switchboard: CompletionFacts };

/** What the gateway did for a stream: where it is served once it started; usage and cost once it ended. */
export interface StreamFacts extends Omit<CompletionFacts, "costUsd" | "latencyMs"> {
  /** Set when the stream has ended (the provider's usage, or an estimate when it reported none). */
  usage?: Usage;
  finishReason?: FinishReason | null;
  costUsd?: string;
  latencyMs?: number;
}

/**
 * OpenAI's stream chunks, the final usage chunk included. The request starts when iteration
 * starts; breaking out of the loop or aborting `signal` closes the upstream connection.
 */
export interface GatewayStream extends AsyncIterable<ChatChunk> {
  /** Undefined until the first chunk arrived. */
  readonly switchboard: StreamFacts | undefined;
}

/** A schema the answer must match: any Standard Schema that also converts to JSON Schema (zod ≥ 4.2, ArkType, Valibot with its JSON Schema package). */
export type StructuredOutputSchema<Output = unknown> = StandardSchemaV1<unknown, Output> &
  StandardJSONSchemaV1<unknown, Output>;

/** A chat request whose answer is a JSON object matching `schema` (sent as response_format json_schema). */
export interface CompletionObjectRequest<Schema extends StructuredOutputSchema> extends ChatFields {
  model: ModelChoice;
  schema: Schema;
  /** The json_schema name the provider sees; default "response". */
  schemaName?: string;
  signal?: AbortSignal;
  [field: string]: unknown;
}

/** The validated object (the schema's output type) and the completion it came from. */
export interface CompletionObject<Output> {
  object: Output;
  completion: Completion;
}

/** The gateway core in this process: the same routing, retries, fallbacks and pricing as the server, without it. */
export interface Gateway {
  /** A chat completion. Throws GatewayError (code, and `request` with the attempts made). */
  completion(request: CompletionRequest): Promise<Completion>;
  /** A streamed chat completion. Errors are thrown from the iteration. */
  stream(request: CompletionRequest): GatewayStream;
  embed(request: EmbedRequest): Promise<Embedding>;
  /** A chat completion parsed as JSON and validated; an answer that is not JSON or does not match throws InvalidOutputError (code INVALID_OUTPUT). */
  completionObject<Schema extends StructuredOutputSchema>(
    request: CompletionObjectRequest<Schema>,
  ): Promise<CompletionObject<StandardSchemaV1.InferOutput<Schema>>>;
  /**
   * Lets requests in flight finish (up to 5 s, then cancels them), closes the upstream pool and,
   * when a database is configured, writes the queued request logs and closes it.
   */
  close(): Promise<void>;
}

/** What a program may replace. */
export interface GatewayOptions {
  /** The upstream connection pool (an undici Dispatcher such as a ProxyAgent); not closed by close(). Default: the gateway's own keep-alive pool. */
  dispatcher?: Dispatcher;
  /** Where `${VAR}` references and provider keys are read from; default the process environment. */
  environment?: Record<string, string | undefined>;
  /** Told about problems that are not a request's own (a failed request-log write); default console.error. */
  onProblem?: (message: string, error: unknown) => void;
}
