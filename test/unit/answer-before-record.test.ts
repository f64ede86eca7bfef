import { describe, expect, it } from "vitest";
import { configSchema, demoModelEntry } from "../../server/config.ts";
import { createGatewayCore } from "../../server/gateway-core.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { anonymousAdmin } from "../../server/gateway/principal.ts";

/*
 * CompletionContext.answer: a non-streaming success is handed to the edge before the request is
 * logged, and logged in the same synchronous turn right after (issue 16: the caller's bytes do
 * not wait for the log entry, the limits' settlement and the metrics).
 */
describe("answering before recording", () => {
  const body = { model: demoModelEntry.name, messages: [{ role: "user", content: "hello" }] };

  it("hands the result to `answer` first, then records it before `chat` resolves", async () => {
    const events: string[] = [];
    const { completions } = createGatewayCore({
      config: configSchema.parse({ models: [demoModelEntry] }),
      dispatcher: createUpstreamDispatcher(),
      recordRequest: (entry) => events.push(`recorded ${entry.id} ${entry.status}`),
    });
    const result = await completions.chat(body, {
      principal: anonymousAdmin,
      source: "rest",
      answer: (answered) => {
        events.push(`answered ${answered.requestId}`);
        // Nothing logged yet when the edge writes its answer.
        expect(events).toHaveLength(1);
      },
    });
    expect(events).toEqual([
      `answered ${result.requestId}`,
      `recorded ${result.requestId} success`,
    ]);
    expect(result.response.choices[0].message.content).toContain("hello");
  });

  it("records the request as usual when no edge asks to answer first", async () => {
    const recorded: string[] = [];
    const { completions } = createGatewayCore({
      config: configSchema.parse({ models: [demoModelEntry] }),
      dispatcher: createUpstreamDispatcher(),
      recordRequest: (entry) => recorded.push(entry.status),
    });
    await completions.chat(body, { principal: anonymousAdmin, source: "graphql" });
    expect(recorded).toEqual(["success"]);
  });
});
