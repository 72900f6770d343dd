import type { FetchFunction } from '@slack/web-api';

/** A fetch for one send, and the release of what it holds. */
export interface LinkedFetch {
  fetch: FetchFunction;
  /** Detach from the send's signal; call once the client call has finished. */
  release(): void;
}

/**
 * A fetch for the Slack clients that is aborted by the delivery layer's signal as well as by the
 * client's own timeout, and that shows each response to `onResponse` (the webhook client's errors carry
 * no headers, so `Retry-After` must be read on the way). Listeners are added and removed explicitly
 * rather than with `AbortSignal.any`, so a long-lived signal never accumulates them.
 */
export function linkedFetch(signal: AbortSignal, onResponse?: (response: Response) => void): LinkedFetch {
  const controllers = new Set<AbortController>();
  const abortAll = (): void => {
    for (const controller of controllers) controller.abort(signal.reason);
  };
  signal.addEventListener('abort', abortAll, { once: true });
  return {
    async fetch(url, init) {
      const controller = new AbortController();
      if (signal.aborted) controller.abort(signal.reason);
      controllers.add(controller);
      // The client's timeout signal lives only as long as this request.
      const timeout = init?.signal;
      if (timeout?.aborted) controller.abort(timeout.reason);
      timeout?.addEventListener('abort', () => controller.abort(timeout.reason), { once: true });
      const response = await fetch(url, { ...init, signal: controller.signal });
      onResponse?.(response);
      return response;
    },
    release() {
      signal.removeEventListener('abort', abortAll);
      controllers.clear();
    },
  };
}
