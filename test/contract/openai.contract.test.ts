import { createOpenAIAdapter } from "../../server/gateway/providers/openai/openai-adapter.ts";
import { runChatContract } from "./chat-contract.ts";
import { runProviderContract } from "./provider-contract.ts";
import { openAIWire } from "./wires/openai-wire.ts";

runProviderContract({
  name: "openai",
  provider: "openai",
  createAdapter: (upstream, { dispatcher }) =>
    createOpenAIAdapter({
      apiKey: "sk-test-openai-0123456789",
      apiBase: upstream.baseUrl,
      dispatcher,
    }),
  expectedAuthorization: "Bearer sk-test-openai-0123456789",
});

// The same adapter on the contract every provider runs (its own wire format: test/contract/wires/openai-wire.ts).
runChatContract(openAIWire);
