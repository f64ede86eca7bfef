/** One kind of request the load generator sends, and how to tell a good answer. */
export interface RequestSpec {
  /** `http` (default): a POST through an undici pool. `graphql-ws`: a subscription on an open, acknowledged socket. */
  transport?: "http" | "graphql-ws";
  path: string;
  headers: Record<string, string>;
  body: string;
  /** True when the answer is an SSE stream (time to first byte is what matters). */
  stream: boolean;
  /** A cheap check on the whole answer, so a fast error is never counted as a fast success. */
  isValid(status: number, text: string): boolean;
}

export const benchModel = "gpt-4o-mini";

/**
 * How the upstream answers (bench/serve-upstream.ts), chosen by the request path's prefix so the
 * bare proxy (which forwards the path) and a direct call reach it unchanged; the gateway reaches
 * it through a model of its own whose apiBase carries the prefix (bench/serve-gateway.ts).
 */
export const upstreamModes = {
  /** Every frame at once (the recorded bytes replayed in one go). */
  immediate: { pathPrefix: "", model: benchModel },
  /** SSE frames spaced in time: the first at once, then one every `pacedFrameMs`. */
  paced: { pathPrefix: "/paced", model: `${benchModel}-paced` },
  /** An SSE stream of `manyChunks` content deltas, each frame written in its own event-loop turn. */
  manyChunks: { pathPrefix: "/chunks-1000", model: `${benchModel}-1000-chunks` },
} as const;
export type UpstreamMode = keyof typeof upstreamModes;
export const pacedFrameMs = 2;
export const manyChunks = 1_000;

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <key>` (the bare proxy ignores it). */
  key?: string;
  /** The gateway picks the upstream mode by model name; the bare proxy and a direct call by path. */
  gateway?: boolean;
  mode?: UpstreamMode;
  /** The user message; "Say hello" by default. */
  prompt?: string;
}

const okJson = (status: number, text: string) =>
  status === 200 && text.includes('"chat.completion"');
const okStream = (status: number, text: string) =>
  status === 200 && text.endsWith("data: [DONE]\n\n") && !text.includes('"error"');
const okGraphQL = (status: number, text: string) =>
  status === 200 && text.includes('"__typename":"ChatCompletion"');

/** As okStream, and every one of the upstream's `manyChunks` content deltas reached the client. */
function okManyChunks(status: number, text: string): boolean {
  if (!okStream(status, text)) return false;
  let frames = 0;
  for (let at = text.indexOf("data: "); at !== -1; at = text.indexOf("data: ", at + 6)) frames += 1;
  return frames >= manyChunks;
}

function headersFor(key?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
}

function chatRequest(
  { key, gateway = false, mode = "immediate", prompt = "Say hello" }: RequestOptions,
  stream: boolean,
): RequestSpec {
  const { pathPrefix, model } = upstreamModes[mode];
  return {
    path: `${gateway ? "" : pathPrefix}/v1/chat/completions`,
    headers: headersFor(key),
    body: JSON.stringify({
      model: gateway ? model : benchModel,
      messages: [{ role: "user", content: prompt }],
      ...(stream ? { stream: true } : {}),
    }),
    stream,
    isValid: !stream ? okJson : mode === "manyChunks" ? okManyChunks : okStream,
  };
}

/** `POST /v1/chat/completions`, JSON answer. */
export function restRequest(options: RequestOptions = {}): RequestSpec {
  return chatRequest(options, false);
}

/** `POST /v1/chat/completions` with `stream: true`. */
export function streamRequest(options: RequestOptions = {}): RequestSpec {
  return chatRequest(options, true);
}

/** A user message of about `bytes` bytes of English prose (words and spaces, as a real prompt: not one long token). */
export function proseOfBytes(bytes: number): string {
  const sentence =
    "The quarterly report shows steady growth in every region, and the team expects the next release to ship on time. ";
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

/**
 * What a client asks for: the fields of schema/operations/chat.graphql, written out here so the
 * bench does not break when that file is reorganised (fragments, new fields).
 */
const chatMutation = /* GraphQL */ `
  mutation CreateChatCompletion($input: ChatCompletionInput!) {
    createChatCompletion(input: $input) {
      __typename
      ... on ChatCompletion {
        id
        requestId
        model
        created
        provider
        deployment
        costUsd
        latencyMs
        choices {
          index
          finishReason
          message {
            role
            content
            toolCalls {
              id
              type
              function {
                name
                arguments
              }
            }
          }
        }
        usage {
          promptTokens
          completionTokens
          totalTokens
          cachedTokens
          reasoningTokens
        }
      }
      ... on Error {
        message
        code
      }
      ... on InvalidRequestError {
        param
      }
      ... on RateLimitedError {
        retryAfterMs
      }
      ... on ProviderError {
        provider
        upstreamStatus
        retryable
      }
    }
  }
`;

/** The `createChatCompletion` mutation over `POST /graphql`. */
export function graphqlRequest(key: string): RequestSpec {
  const query = chatMutation;
  const variables = {
    input: { model: benchModel, messages: [{ role: "USER", content: "Say hello" }] },
  };
  return {
    path: "/graphql",
    headers: {
      ...headersFor(key),
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query, variables, operationName: "CreateChatCompletion" }),
    stream: false,
    isValid: okGraphQL,
  };
}

/** The fields of schema/operations/stream.graphql, fragments written out (as chatMutation). */
const streamSubscription = /* GraphQL */ `
  subscription ChatCompletionStream($input: ChatCompletionInput!) {
    chatCompletionStream(input: $input) {
      id
      model
      created
      provider
      deployment
      attempts
      cached
      choices {
        index
        finishReason
        delta {
          role
          content
          toolCalls {
            index
            id
            type
            function {
              name
              arguments
            }
          }
        }
      }
      usage {
        promptTokens
        completionTokens
        totalTokens
        cachedTokens
        reasoningTokens
      }
      costUsd
    }
  }
`;

/**
 * The `chatCompletionStream` subscription over graphql-ws on `/graphql` (bench/graphql-ws-client.ts
 * sends `body` as the `subscribe` payload; `authorization` goes in `connection_init`). The text
 * checked is every `next` payload, one per line; status 200 once `complete` arrives.
 */
export function graphqlStreamSubscription(
  key: string,
  mode: UpstreamMode = "immediate",
): RequestSpec {
  const variables = {
    input: {
      model: upstreamModes[mode].model,
      messages: [{ role: "USER", content: "Say hello" }],
    },
  };
  return {
    transport: "graphql-ws",
    path: "/graphql",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: streamSubscription,
      variables,
      operationName: "ChatCompletionStream",
    }),
    stream: true,
    isValid: (status, text) =>
      status === 200 && text.includes('"chatCompletionStream"') && !text.includes('"errors"'),
  };
}
