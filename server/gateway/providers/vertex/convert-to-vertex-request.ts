// Vertex AI's generateContent takes Gemini's GenerateContentRequest (every content with its role, as convertToGeminiRequest always sends).
export {
  convertToGeminiRequest as convertToVertexRequest,
  type GeminiRequestBody as VertexRequestBody,
} from "../gemini/convert-to-gemini-request.ts";
