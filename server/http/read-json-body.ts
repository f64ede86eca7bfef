import type { IncomingMessage } from "node:http";
import { GatewayError } from "../gateway/errors.ts";

/** Large enough for long multi-part prompts with inline images; past it the body is refused. */
export const maxBodyBytes = 20 * 1024 * 1024;

/** Reads a request body whole, refusing (413) one larger than `maxBodyBytes`. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON request body, with clear 400/413 errors for bad input. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const text = (await readBody(request)).toString("utf8");
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
