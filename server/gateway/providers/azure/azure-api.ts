import { z } from "zod";

// Azure OpenAI answers in OpenAI's shapes plus content-filter annotations, which openai's loose schemas keep.
export {
  openAIChatChunkSchema as azureChatChunkSchema,
  openAIChatResponseSchema as azureChatResponseSchema,
  openAIEmbeddingResponseSchema as azureEmbeddingResponseSchema,
  openAIErrorBodySchema as azureErrorBodySchema,
  type OpenAIErrorBody as AzureErrorBody,
} from "../openai/openai-api.ts";

/**
 * The chunk an Azure stream opens with: no choices, no usage, an empty id/model/object and
 * `created: 0`, only the content-filter verdict on the prompt.
 * Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-filter
 *            (prompt_filter_results), https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-streaming
 */
export const azurePromptAnnotationChunkSchema = z.looseObject({
  choices: z.array(z.unknown()).length(0),
  usage: z.null().optional(),
  prompt_filter_results: z.array(
    z.looseObject({
      prompt_index: z.number().optional(),
      content_filter_results: z.looseObject({}).optional(),
    }),
  ),
});
