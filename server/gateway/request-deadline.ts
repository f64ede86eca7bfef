/**
 * A request's deadline: the configured timeout from its start, or the caller going away,
 * whichever comes first.
 *
 * Its AbortSignal is made only when something asks for it (a stream's watchdog, a walk that
 * waits to retry, an embedding call). A non-streaming attempt does not: `withAttemptTimeout`
 * bounds it by the deadline and the caller itself, with the one AbortController and timer it
 * needs anyway. On Node 20 every AbortController costs a few µs (its signal is an EventTarget
 * given a new prototype), and a request that succeeds at its first attempt no longer makes one
 * for the deadline (issue 16). `AbortSignal.any([caller, AbortSignal.timeout(ms)])` measured
 * ~40 µs of CPU per request.
 */
/**
 * A caller's going away, watched without an AbortSignal: `onCancel` calls back once and returns
 * the unsubscribe; `reason` is set once the caller has gone. Listening to an AbortSignal costs an
 * EventTarget listener per attempt and the signal itself (issue 16).
 */
export interface CallerCancellation {
  readonly reason: unknown;
  onCancel(listener: () => void): () => void;
}

/** Whom the request serves: watched through `cancellation` when it has one, else `signal`. */
export interface Caller {
  readonly signal?: AbortSignal;
  readonly cancellation?: CallerCancellation;
}

/** An AbortSignal that aborts (with the cancellation's reason) when the caller goes away. */
export function abortSignalOf(cancellation: CallerCancellation): AbortSignal {
  const controller = new AbortController();
  if (cancellation.reason !== undefined) controller.abort(cancellation.reason);
  else cancellation.onCancel(() => controller.abort(cancellation.reason));
  return controller.signal;
}

/** The caller's reason once it has gone (seen through its cancellation, else its signal). */
function callerGoneOf(caller: Caller | undefined): { reason: unknown } | undefined {
  if (caller?.cancellation) {
    const { reason } = caller.cancellation;
    return reason === undefined ? undefined : { reason };
  }
  return caller?.signal?.aborted ? { reason: caller.signal.reason } : undefined;
}

/** Whether the caller has gone away. */
export function callerHasGone(caller: Caller | undefined): boolean {
  return callerGoneOf(caller) !== undefined;
}

export interface RequestDeadline {
  /** Aborts when the time is up (a TimeoutError) or the caller goes away (its reason). */
  readonly signal: AbortSignal;
  /**
   * Aborts `controller` with the deadline's reason: at once if the caller has gone or the time is
   * up, else when the caller goes (a timer for the time left is the caller's to set). Returns
   * the unhook.
   */
  abortOnEnd(controller: AbortController): () => void;
  /** Milliseconds left; 0 once the time is up. */
  remainingMs(): number;
  /** The reason the deadline aborts with when the time is up. */
  timeoutError(): DOMException;
  /** Marks the time as up: a timer set for `remainingMs()` fired (it may fire a little early). */
  expire(): void;
  /** Stops the timer and unhooks the caller's signal; call once the request has ended. */
  clear(): void;
}

class Deadline implements RequestDeadline {
  readonly #caller: Caller | undefined;
  readonly #timeoutMs: number;
  readonly #expiresAt: number;
  #expired = false;
  #cleared = false;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unhookCaller: (() => void) | undefined;

  constructor(caller: Caller | undefined, timeoutMs: number) {
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    this.#expiresAt = Date.now() + timeoutMs;
  }

  abortOnEnd(controller: AbortController): () => void {
    const gone = callerGoneOf(this.#caller);
    if (gone) controller.abort(gone.reason);
    else if (this.remainingMs() === 0) controller.abort(this.timeoutError());
    else return this.#onCallerGone(() => controller.abort(callerGoneOf(this.#caller)?.reason));
    return () => {};
  }

  #onCallerGone(listener: () => void): () => void {
    const caller = this.#caller;
    if (caller?.cancellation) return caller.cancellation.onCancel(listener);
    const signal = caller?.signal;
    if (!signal) return () => {};
    signal.addEventListener("abort", listener, { once: true });
    return () => signal.removeEventListener("abort", listener);
  }

  remainingMs(): number {
    return this.#expired ? 0 : Math.max(0, this.#expiresAt - Date.now());
  }

  timeoutError(): DOMException {
    return new DOMException(
      `The provider did not answer within ${this.#timeoutMs} ms.`,
      "TimeoutError",
    );
  }

  expire(): void {
    this.#expired = true;
    this.#controller?.abort(this.timeoutError());
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    // A cleared deadline's signal never fires.
    if (this.#cleared) return controller.signal;
    this.#unhookCaller = this.abortOnEnd(controller);
    if (!controller.signal.aborted) {
      this.#timer = setTimeout(() => this.expire(), this.remainingMs());
      // The upstream socket keeps the process alive while a call is open; the timer need not.
      this.#timer.unref();
    }
    return controller.signal;
  }

  clear(): void {
    this.#cleared = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#unhookCaller?.();
  }
}

/** `caller`: a CompletionContext, or `{ signal }` for a caller known only by its signal. */
export function createRequestDeadline({
  caller,
  timeoutMs,
}: {
  caller?: Caller;
  timeoutMs: number;
}): RequestDeadline {
  return new Deadline(caller, timeoutMs);
}
