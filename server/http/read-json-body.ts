import type { IncomingMessage } from "node:http";
import { GatewayError } from "../gateway/errors.ts";

/** Large enough for long multi-part prompts with inline images; past it the body is refused. */
const maxBodyBytes = 20 * 1024 * 1024;

/** Reads and parses a JSON request body, with clear 400/413 errors for bad input. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes)
      throw new GatewayError(
        "BAD_REQUEST",
        `The request body is larger than ${maxBodyBytes} bytes.`,
        { status: 413 },
      );
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "")
    throw new GatewayError("BAD_REQUEST", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError(
      "BAD_REQUEST",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}
