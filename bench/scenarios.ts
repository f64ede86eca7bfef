/** One kind of request the load generator sends, and how to tell a good answer. */
export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** True when the answer is an SSE stream (time to first byte is what matters). */
  stream: boolean;
  /** A cheap check on the whole answer, so a fast error is never counted as a fast success. */
  isValid(status: number, text: string): boolean;
}

export const benchModel = "gpt-4o-mini";
const messages = [{ role: "user", content: "Say hello" }];

const okJson = (status: number, text: string) =>
  status === 200 && text.includes('"chat.completion"');
const okStream = (status: number, text: string) =>
  status === 200 && text.endsWith("data: [DONE]\n\n") && !text.includes('"error"');
const okGraphQL = (status: number, text: string) =>
  status === 200 && text.includes('"__typename":"ChatCompletion"');

function headersFor(masterKey?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(masterKey ? { authorization: `Bearer ${masterKey}` } : {}),
  };
}

/** `POST /v1/chat/completions`, JSON answer. */
export function restRequest(masterKey?: string): RequestSpec {
  return {
    path: "/v1/chat/completions",
    headers: headersFor(masterKey),
    body: JSON.stringify({ model: benchModel, messages }),
    stream: false,
    isValid: okJson,
  };
}

/** `POST /v1/chat/completions` with `stream: true`. */
export function streamRequest(masterKey?: string): RequestSpec {
  return {
    path: "/v1/chat/completions",
    headers: headersFor(masterKey),
    body: JSON.stringify({ model: benchModel, messages, stream: true }),
    stream: true,
    isValid: okStream,
  };
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
export function graphqlRequest(masterKey: string): RequestSpec {
  const query = chatMutation;
  const variables = {
    input: { model: benchModel, messages: [{ role: "USER", content: messages[0].content }] },
  };
  return {
    path: "/graphql",
    headers: {
      ...headersFor(masterKey),
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query, variables, operationName: "CreateChatCompletion" }),
    stream: false,
    isValid: okGraphQL,
  };
}
