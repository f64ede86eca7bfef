import { describe, expect, it } from "vitest";
import { createAnthropicMessagesRelay } from "../../server/gateway/providers/anthropic/anthropic-messages-relay.ts";
import { createResponsesRelay } from "../../server/gateway/providers/openai/openai-responses-relay.ts";
import type { Deployment } from "../../server/gateway/router.ts";
import { createGateway } from "../../server/index.ts";

/*
 * Streams made per request come from generator functions declared once at module level: a
 * generator function made per request costs old space on every stream (see RelayedChunks in
 * server/modules/completions/started-stream.ts). Generators of one function share a prototype,
 * so two requests' streams sharing theirs is what tells. Nothing is sent before the first next().
 */

const deployment = { provider: "openai", model: "m" } as Deployment;
const options = () => ({ signal: new AbortController().signal });

describe("per-request streams come from generator functions declared once", () => {
  it("the Anthropic Messages relay's", () => {
    const relayFor = () => createAnthropicMessagesRelay({ body: {} });
    const first = relayFor().chatStream(deployment, options());
    const second = relayFor().chatStream(deployment, options());
    expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second));
  });

  it("the Responses relay's", () => {
    let bodiesAsked = 0;
    const relayFor = () => createResponsesRelay({ upstreamBody: () => (bodiesAsked++, {}) });
    const first = relayFor().chatStream(deployment, options());
    const second = relayFor().chatStream(deployment, options());
    expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second));
    expect(bodiesAsked).toBe(0);
  });

  it("the SDK's gateway.stream()", async () => {
    const gateway = createGateway({ models: [{ name: "echo", provider: "demo", model: "echo" }] });
    try {
      const request = { model: "echo", messages: [{ role: "user" as const, content: "Hi" }] };
      const first = gateway.stream(request)[Symbol.asyncIterator]();
      const second = gateway.stream(request)[Symbol.asyncIterator]();
      expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second));
    } finally {
      await gateway.close();
    }
  });
});
