import type { IncomingMessage } from "node:http";
import { GatewayError } from "../gateway/errors.ts";

/** Large enough for long multi-part prompts with inline images; past it the body is refused. */
export const maxBodyBytes = 20 * 1024 * 1024;

/**
 * Reads a request body whole, refusing (413) one larger than `maxBodyBytes`. Listeners, not
 * `for await`: a Readable's async iterator costs several promises and listeners per request,
 * on every request of the hot path (issue 16).
 */
export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) return void chunks.push(chunk);
      cleanUp();
      // The rest of the body is read and dropped, so the answer can still be sent on this socket.
      request.resume();
      reject(
        new GatewayError("BAD_REQUEST", `The request body is larger than ${maxBodyBytes} bytes.`, {
          status: 413,
        }),
      );
    };
    const onEnd = () => {
      cleanUp();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    // A caller that goes away mid-body (an `aborted` error, then close) cancelled its request.
    const onGone = () => {
      if (request.complete) return;
      cleanUp();
      reject(
        new GatewayError("CANCELLED", "The caller disconnected before sending the whole body."),
      );
    };
    function cleanUp() {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onGone);
      request.off("close", onGone);
    }
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onGone);
    request.on("close", onGone);
  });
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
