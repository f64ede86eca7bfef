import { createOpenAIAdapter } from "../../server/gateway/providers/openai/openai-adapter.ts";
import { runProviderContract } from "./provider-contract.ts";

runProviderContract({
  name: "openai",
  provider: "openai",
  createAdapter: (upstream, { dispatcher }) => createOpenAIAdapter({ apiKey: "sk-test-openai-0123456789", apiBase: upstream.baseUrl, dispatcher }),
  expectedAuthorization: "Bearer sk-test-openai-0123456789",
});
