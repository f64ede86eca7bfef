import type { Principal } from "../gateway/principal.ts";
import type { AppServices } from "../services.ts";

/** What every resolver gets: who is calling, the services, and the caller's abort signal. */
export interface GraphQLContext {
  principal: Principal;
  services: AppServices;
  /** Fires when the HTTP caller goes away (mutations); subscriptions own their own controller. */
  signal?: AbortSignal;
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
