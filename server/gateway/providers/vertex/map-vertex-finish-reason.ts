// Vertex AI's Candidate.FinishReason is Gemini's enum (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#FinishReason).
export { mapGeminiFinishReason as mapVertexFinishReason } from "../gemini/map-gemini-finish-reason.ts";
