// The deadline of an outgoing HTTP request, which also follows the activity's cancellation.
// Not `AbortSignal.any([AbortSignal.timeout(ms), cancellation])`: on Node 20 the timeout signal
// inside `any` can be garbage-collected before it fires (nodejs/node#57736), and the request then
// waits for the server however long it takes. CI saw it: a task with a 1 s timeout succeeded on
// an answer that came after 5 s. Here a plain timer holds the controller until it is cleared.
export interface RequestDeadline {
  signal: AbortSignal;
  /** True once the deadline (not a cancellation) aborted the request. */
  timedOut(): boolean;
}

/** Runs `work` (the request and the read of its body) under a deadline, cleared when it settles. */
export async function withRequestDeadline<T>(ms: number, cancellation: AbortSignal, work: (deadline: RequestDeadline) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
  }, ms);
  const onCancel = () => controller.abort(cancellation.reason);
  if (cancellation.aborted) onCancel();
  else cancellation.addEventListener('abort', onCancel, { once: true });
  try {
    return await work({ signal: controller.signal, timedOut: () => expired });
  } finally {
    clearTimeout(timer);
    cancellation.removeEventListener('abort', onCancel);
  }
}
