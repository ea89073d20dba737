/**
 * The abort signal of one upstream request: its timeout, joined with the caller's signal (a client that went
 * away), both released the moment the request is done. Not `AbortSignal.timeout()` + `AbortSignal.any()`: in
 * Node 20 those keep a timer and weak references alive until the timeout fires, so a gateway doing 200 calls/s
 * with a 120 s timeout carried ~24k of them, and its young-generation GC pauses (weak-reference processing
 * included) grew to 10–16 ms — the gateway's p99 (bench/gateway, measured with perf_hooks GC entries).
 */
export class RequestDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  private readonly onOuterAbort = (): void => this.controller.abort(this.outer?.reason);

  constructor(
    readonly timeoutMs: number,
    private readonly outer?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    if (outer?.aborted) this.onOuterAbort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when the timeout (not the caller) aborted the request. */
  get timedOut(): boolean {
    return this.expired;
  }

  /** Stop the timer and let go of the caller's signal; call when the response has been read (or failed). */
  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}
