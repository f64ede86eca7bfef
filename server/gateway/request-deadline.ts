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
export interface RequestDeadline {
  /** Aborts when the time is up (a TimeoutError) or the caller goes away (its reason). */
  readonly signal: AbortSignal;
  /** The caller's own signal, when it has one. */
  readonly callerSignal: AbortSignal | undefined;
  /** Milliseconds left; 0 once the time is up. */
  remainingMs(): number;
  /** The reason the deadline aborts with when the time is up. */
  timeoutError(): DOMException;
  /** Marks the time as up: a timer set for `remainingMs()` fired (timers may fire a little early). */
  expire(): void;
  /** Stops the timer and unhooks the caller's signal; call once the request has ended. */
  clear(): void;
}

class Deadline implements RequestDeadline {
  readonly callerSignal: AbortSignal | undefined;
  readonly #timeoutMs: number;
  readonly #expiresAt: number;
  #expired = false;
  #cleared = false;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onCallerAbort: (() => void) | undefined;

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number) {
    this.callerSignal = callerSignal;
    this.#timeoutMs = timeoutMs;
    this.#expiresAt = Date.now() + timeoutMs;
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
    const caller = this.callerSignal;
    if (caller?.aborted) controller.abort(caller.reason);
    else if (this.remainingMs() === 0) controller.abort(this.timeoutError());
    else {
      const onCallerAbort = () => controller.abort(caller?.reason);
      this.#onCallerAbort = onCallerAbort;
      caller?.addEventListener("abort", onCallerAbort, { once: true });
      this.#timer = setTimeout(() => this.expire(), this.remainingMs());
      // The upstream socket keeps the process alive while a call is open; the timer need not.
      this.#timer.unref();
    }
    return controller.signal;
  }

  clear(): void {
    this.#cleared = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }
}

export function createRequestDeadline({
  callerSignal,
  timeoutMs,
}: {
  callerSignal?: AbortSignal;
  timeoutMs: number;
}): RequestDeadline {
  return new Deadline(callerSignal, timeoutMs);
}
