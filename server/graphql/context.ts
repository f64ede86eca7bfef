import type { Principal } from "../gateway/principal.ts";
import type { CallerCancellation } from "../gateway/request-deadline.ts";
import type { RequestSource } from "../gateway/request-record.ts";
import { CompletionCaller } from "../modules/completions/completion-caller.ts";
import type { CompletionContext } from "../modules/completions/completions.service.ts";
import type { AppServices } from "../services.ts";

/** What every resolver gets: who is calling, the services, and the caller's abort signal. */
export interface GraphQLContext {
  principal: Principal;
  services: AppServices;
  /** Fires when the HTTP caller goes away (mutations); subscriptions own their own controller. */
  signal?: AbortSignal;
  /** The HTTP caller going away, watched without a signal (the JSON fast path's instead). */
  cancellation?: CallerCancellation;
  /** The HTTP request's `cache-control` (HTTP and SSE; graphql-ws has none): `no-store` bypasses the response cache. */
  cacheControl?: string;
  /** The caller's acceptable `x-request-id` (HTTP and SSE): sent upstream and logged (http/request-id.ts). */
  clientRequestId?: string;
  /** This request's DataLoaders by name (created on first use by loaderOf, DESIGN §10.4). */
  loaders?: Map<string, unknown>;
}

/**
 * The request's DataLoader called `name`, created by `create` on first use: nested fields batch
 * their reads within one request and never share a cache across requests.
 */
export function loaderOf<Loader>(
  context: GraphQLContext,
  name: string,
  create: () => Loader,
): Loader {
  context.loaders ??= new Map();
  let loader = context.loaders.get(name) as Loader | undefined;
  if (!loader) context.loaders.set(name, (loader = create()));
  return loader;
}

/**
 * The completion context of a GraphQL operation: its caller, with the cancellation the JSON fast
 * path watches (then an AbortSignal is made only if something reads `signal`), or Yoga's signal.
 */
export function completionContextOf(
  context: GraphQLContext,
  source: RequestSource,
): CompletionContext {
  return new CompletionCaller(
    context.principal,
    source,
    context.cacheControl,
    context.clientRequestId,
    context.cancellation,
    context.signal,
  );
}
