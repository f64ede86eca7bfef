import { describe, expect, it } from "vitest";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import {
  type ContractContext,
  drain,
  hello,
  idle,
  type ProviderContractOptions,
  richRequest,
} from "./contract-helpers.ts";

/** What reaches the upstream: URL, headers, body, keep-alive. */
export function registerWireCases(
  options: ProviderContractOptions,
  context: ContractContext,
): void {
  const { expectedAuthorization } = options;
  describe("what is sent upstream", () => {
    it("POSTs JSON to {apiBase}/chat/completions with the expected Authorization", async () => {
      const { upstream, adapter } = context();
      await adapter.chat(hello, idle());
      const [sent] = upstream.requests;
      expect(sent.method).toBe("POST");
      expect(sent.path).toBe("/v1/chat/completions");
      expect(sent.headers["content-type"]).toBe("application/json");
      expect(sent.headers.authorization).toBe(expectedAuthorization);
    });

    it("passes the request through faithfully, without the gateway's metadata", async () => {
      const { upstream, adapter } = context();
      await adapter.chat(richRequest, idle());
      const { metadata: _metadata, ...everythingElse } = richRequest;
      expect(upstream.requests[0].body).toEqual(everythingElse);
      expect(upstream.requests[0].body).toMatchInlineSnapshot(`
        {
          "logit_bias": {
            "50256": -100,
          },
          "max_completion_tokens": 200,
          "messages": [
            {
              "content": "Answer in JSON.",
              "role": "developer",
            },
            {
              "content": [
                {
                  "text": "What is the weather where this photo was taken?",
                  "type": "text",
                },
                {
                  "image_url": {
                    "detail": "low",
                    "url": "data:image/png;base64,iVBORw0KGgo=",
                  },
                  "type": "image_url",
                },
              ],
              "role": "user",
            },
            {
              "content": null,
              "role": "assistant",
              "tool_calls": [
                {
                  "function": {
                    "arguments": "{"city":"Paris"}",
                    "name": "get_weather",
                  },
                  "id": "call_1",
                  "type": "function",
                },
              ],
            },
            {
              "content": "sunny, 21°C",
              "role": "tool",
              "tool_call_id": "call_1",
            },
          ],
          "model": "gpt-4o-mini",
          "parallel_tool_calls": false,
          "response_format": {
            "json_schema": {
              "name": "answer",
              "schema": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "json_schema",
          },
          "seed": 7,
          "stop": [
            "END",
          ],
          "temperature": 0.2,
          "tool_choice": "auto",
          "tools": [
            {
              "function": {
                "description": "Current weather for a city",
                "name": "get_weather",
                "parameters": {
                  "properties": {
                    "city": {
                      "type": "string",
                    },
                  },
                  "required": [
                    "city",
                  ],
                  "type": "object",
                },
                "strict": true,
              },
              "type": "function",
            },
          ],
          "top_p": 0.9,
          "user": "user-1",
        }
      `);
    });

    it("asks a stream for usage, merged into the caller's stream_options", async () => {
      const { upstream, adapter } = context();
      await drain(
        adapter.chatStream(
          {
            ...hello,
            stream: true,
            stream_options: { include_obfuscation: false },
            metadata: { tag: "x" },
          },
          idle(),
        ),
      );
      expect(upstream.requests[0].body).toEqual({
        ...hello,
        stream: true,
        stream_options: { include_obfuscation: false, include_usage: true },
      });
      expect(upstream.requests[0].headers.accept).toBe("text/event-stream");
    });

    it("drops stream and stream_options from a non-stream call", async () => {
      const { upstream, adapter } = context();
      await adapter.chat(
        { ...hello, stream: true, stream_options: { include_usage: true } },
        idle(),
      );
      expect(upstream.requests[0].body).toEqual(hello);
    });

    it("reuses keep-alive connections: finished streams and answers open no new ones", async () => {
      const { upstream } = context();
      // A pool of its own: for a short while after a request is cancelled, undici 7 (observed with
      // 7.30) serves each new request on a fresh socket and closes it — not what this checks.
      const dispatcher = createUpstreamDispatcher();
      const adapter = options.createAdapter(upstream, { dispatcher });
      try {
        // undici may alternate between two warm sockets for back-to-back requests; warm both.
        await Promise.all([adapter.chat(hello, idle()), adapter.chat(hello, idle())]);
        const connectionsBefore = upstream.connectionCount;
        for (let round = 0; round < 5; round += 1) {
          expect((await drain(adapter.chatStream(hello, idle()))).error).toBeUndefined();
          await adapter.chat(hello, idle());
        }
        expect(upstream.connectionCount).toBe(connectionsBefore);
      } finally {
        await dispatcher.close();
      }
    });
  });
}
