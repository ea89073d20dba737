/**
 * Let the event loop run what is waiting (a `/health` probe, other requests' I/O) before going on: long work on a
 * client's input is done in slices with this between them, so one request never holds the gateway for long.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
