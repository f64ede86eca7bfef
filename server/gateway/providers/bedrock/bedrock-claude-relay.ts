import type { Dispatcher } from "undici";
import type { ModelEntry } from "../../../config.ts";
import { readAwsEventStream } from "../../aws-event-stream.ts";
import { createAwsProviderSigner } from "../../aws-sigv4.ts";
import { invalidResponseError } from "../../upstream-errors.ts";
import { contentTypeOf, postUpstream, quotedExcerpt } from "../../upstream-http.ts";
import { z } from "zod";
import {
  type ClaudeRelayRequest,
  type ClaudeRelayTransport,
  readTokenCount,
} from "../anthropic/anthropic-relay-transport.ts";
import { bedrockHttpError, bedrockStreamExceptionError } from "./bedrock-error.ts";

/** The `anthropic_version` Bedrock's InvokeModel takes for Claude. */
export const bedrockAnthropicVersion = "bedrock-2023-05-31";

/**
 * Claude on Bedrock through InvokeModel, which takes Anthropic's own body: `POST
 * /model/{modelId}/invoke` (or `/invoke-with-response-stream`, answering AWS's event stream whose
 * `chunk` events carry each Anthropic event as base64 `bytes`). The body is the caller's without
 * `model` (in the path) and `stream` (the path says it), with `anthropic_version:
 * "bedrock-2023-05-31"` unless the caller gave one, and the `anthropic-beta` header's betas as
 * `anthropic_beta` (Bedrock reads betas from the body) unless the body has its own. Token counts
 * go to CountTokens (`/model/{modelId}/count-tokens`, the InvokeModel body base64). SigV4-signed.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
 */
export function createBedrockClaudeRelayTransport(
  entry: Pick<
    ModelEntry,
    "apiBase" | "region" | "accessKeyId" | "secretAccessKey" | "sessionToken"
  >,
  { dispatcher, provider = "bedrock" }: { dispatcher?: Dispatcher; provider?: string },
): ClaudeRelayTransport {
  const { region, signRequest, secrets } = createAwsProviderSigner(provider, "bedrock", entry);
  const base = (entry.apiBase ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(
    /\/+$/,
    "",
  );

  /** Signs and POSTs `body` to `/model/{model}/{operation}`. */
  async function post(
    model: string,
    operation: string,
    body: string,
    signal: AbortSignal,
    accept = "application/json",
  ) {
    const url = new URL(`${base}/model/${encodeURIComponent(model)}/${operation}`);
    const headers = await signRequest({
      url,
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body,
    });
    return postUpstream({ provider, url, headers, body, signal, dispatcher });
  }

  const httpError: ClaudeRelayTransport["httpError"] = (failure) =>
    bedrockHttpError({ ...failure, provider, secrets });

  return {
    provider,
    secrets,
    send(request, signal) {
      const body = JSON.stringify(invokeBody(request));
      return request.stream
        ? post(
            request.model,
            "invoke-with-response-stream",
            body,
            signal,
            "application/vnd.amazon.eventstream",
          )
        : post(request.model, "invoke", body, signal);
    },
    // CountTokens takes the InvokeModel body, base64, and answers `{ inputTokens }`.
    async countTokens(request, signal) {
      // InvokeModel's body needs max_tokens, which a count_tokens request has not.
      const invoke = { max_tokens: 1, ...invokeBody(request) };
      const body = JSON.stringify({
        input: { invokeModel: { body: Buffer.from(JSON.stringify(invoke)).toString("base64") } },
      });
      const response = await post(request.model, "count-tokens", body, signal);
      const counted = await readTokenCount(response, {
        provider,
        signal,
        httpError,
        schema: z.looseObject({ inputTokens: z.number() }),
      });
      return { input_tokens: counted.inputTokens };
    },
    httpError,
    async *events(response) {
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("application/vnd.amazon.eventstream"))
        throw invalidResponseError(
          provider,
          `the stream is not an AWS event stream (content-type ${contentType}): ${quotedExcerpt(await response.body.text())}`,
        );
      for await (const message of readAwsEventStream(
        response.body.iterator({ destroyOnReturn: false }),
        { provider },
      )) {
        if (message.messageType !== "event")
          throw bedrockStreamExceptionError(
            provider,
            message.eventType,
            message.payload || String(message.headers[":error-message"]?.value ?? ""),
            secrets,
          );
        if (message.eventType !== "chunk") continue;
        yield decodeChunk(message.payload, provider);
      }
    },
  };
}

/** The caller's body as InvokeModel takes it: no model or stream, Bedrock's anthropic_version, the betas. */
function invokeBody(request: ClaudeRelayRequest): Record<string, unknown> {
  const { model: _model, stream: _stream, ...rest } = request.body;
  const betas = request.beta
    ?.split(",")
    .map((beta) => beta.trim())
    .filter(Boolean);
  return {
    anthropic_version: bedrockAnthropicVersion,
    ...rest,
    ...(betas?.length && rest.anthropic_beta === undefined ? { anthropic_beta: betas } : {}),
  };
}

/** A `chunk` event's payload `{"bytes": "<base64 of an Anthropic event's JSON>"}`, decoded. */
function decodeChunk(payload: string, provider: string): unknown {
  try {
    const { bytes } = JSON.parse(payload) as { bytes?: unknown };
    if (typeof bytes !== "string") throw new Error("no bytes");
    return JSON.parse(Buffer.from(bytes, "base64").toString("utf8"));
  } catch {
    throw invalidResponseError(
      provider,
      `a stream chunk is not Claude's event: ${quotedExcerpt(payload)}`,
    );
  }
}
