// Same request body as OpenAI's, passed through the same way, so server-specific fields reach the server too.
export {
  convertToOpenAIRequest as convertToOpenAICompatibleRequest,
  type OpenAIRequestBody as OpenAICompatibleRequestBody,
} from "../openai/convert-to-openai-request.ts";
