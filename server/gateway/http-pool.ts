import { Agent } from "undici";

export interface UpstreamDispatcherOptions {
  /** Most sockets kept per upstream origin. */
  connections?: number;
  /** How long an idle socket stays open when the upstream does not say (its `Keep-Alive` hint wins). */
  keepAliveTimeoutMs?: number;
  /** How long establishing a connection (TCP + TLS) may take. */
  connectTimeoutMs?: number;
}

/**
 * The one keep-alive connection pool (an undici Agent: a pool per origin) that every provider
 * adapter sends through, so calls reuse warm sockets instead of paying a handshake each time
 * (DESIGN §8).
 *
 * undici's own header and body timeouts (300 s each by default) are switched off: each call's
 * AbortSignal carries the gateway's configured timeout (`router.timeoutMs`, 10 minutes by
 * default), and a reasoning model can legitimately think longer than 300 s before its first byte.
 */
export function createUpstreamDispatcher({
  connections = 128,
  keepAliveTimeoutMs = 30_000,
  connectTimeoutMs = 10_000,
}: UpstreamDispatcherOptions = {}): Agent {
  return new Agent({
    connections,
    keepAliveTimeout: keepAliveTimeoutMs,
    connect: { timeout: connectTimeoutMs },
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
