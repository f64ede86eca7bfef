import type { Principal } from "../../gateway/principal.ts";
import { abortSignalOf, type CallerCancellation } from "../../gateway/request-deadline.ts";
import type { RequestSource } from "../../gateway/request-record.ts";
import type { CompletionContext } from "./completions.service.ts";

/**
 * A CompletionContext whose caller is watched through `cancellation` (REST, GraphQL's JSON fast
 * path): its AbortSignal is made only when something reads `signal` (an error to classify, a
 * native relay), so a request that succeeds makes no AbortController for its caller (issue 16).
 * A caller known only by its signal (Yoga's own path) hands that signal instead.
 */
export class CompletionCaller implements CompletionContext {
  answer?: CompletionContext["answer"];
  native?: CompletionContext["native"];
  #signal: AbortSignal | undefined;

  constructor(
    readonly principal: Principal,
    readonly source: RequestSource,
    public cacheControl: string | undefined,
    readonly clientRequestId: string | undefined,
    readonly cancellation: CallerCancellation | undefined,
    signal?: AbortSignal,
  ) {
    this.#signal = signal;
  }

  get signal(): AbortSignal | undefined {
    if (!this.#signal && this.cancellation) this.#signal = abortSignalOf(this.cancellation);
    return this.#signal;
  }
}
