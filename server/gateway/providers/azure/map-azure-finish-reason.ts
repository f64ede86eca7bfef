// Azure OpenAI reports OpenAI's finish reasons (stop, length, tool_calls, content_filter, function_call), so OpenAI's mapping applies as is.
// Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference#createchatcompletionresponse
export { mapOpenAIFinishReason as mapAzureFinishReason } from "../openai/map-openai-finish-reason.ts";
