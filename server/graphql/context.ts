import type { Principal } from "../gateway/principal.ts";
import type { AppServices } from "../services.ts";

/** What every resolver gets: who is calling, the services, and the caller's abort signal. */
export interface GraphQLContext {
  principal: Principal;
  services: AppServices;
  /** Fires when the HTTP caller goes away (mutations); subscriptions own their own controller. */
  signal?: AbortSignal;
}
