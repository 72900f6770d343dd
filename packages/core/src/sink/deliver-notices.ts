import type { Observable, Subscription } from 'rxjs';
import type { PipelineNotice } from '../alert/alert.js';
import type { SendResult, Sink } from './sink.js';

/** Outcome counters per sink id. */
export type DeliveryStats = Record<string, { delivered: number; retry: number; rejected: number; failed: number }>;

/** A running delivery: `drain()` resolves once every notice seen so far has been sent. */
export interface Delivery {
  readonly stats: DeliveryStats;
  drain(): Promise<void>;
  stop(): void;
}

/**
 * Sends notices to sinks without ever blocking the stream: each sink has its own ordered chain, so an
 * alert is sent before its roll-ups (which need the alert's `ref`, e.g. a Slack thread) and a slow
 * sink never holds up another. This is the minimal delivery of the core issue: retries, rate limits,
 * digests and the dead-letter file belong to the shared delivery layer that replaces it.
 */
export function deliverNotices(notices: Observable<PipelineNotice>, sinks: readonly Sink[]): Delivery {
  const stats: DeliveryStats = {};
  const chains = new Map<string, Promise<void>>();
  const refs = new Map<string, Map<string, string>>();
  const controller = new AbortController();
  for (const sink of sinks) {
    stats[sink.id] = { delivered: 0, retry: 0, rejected: 0, failed: 0 };
    chains.set(sink.id, Promise.resolve());
    refs.set(sink.id, new Map());
  }

  const subscription: Subscription = notices.subscribe((notice) => {
    for (const sink of sinks) {
      const sinkRefs = refs.get(sink.id)!;
      const counters = stats[sink.id]!;
      if (notice.type === 'closed') {
        // Chained so the ref is forgotten only after the alert's own sends have used it.
        chains.set(
          sink.id,
          chains.get(sink.id)!.then(() => void sinkRefs.delete(notice.alert.id)),
        );
        continue;
      }
      const send = async (): Promise<void> => {
        let result: SendResult;
        try {
          const ref = sinkRefs.get(notice.alert.id);
          result = await sink.send(notice, { signal: controller.signal, attempt: 1, ...(ref ? { ref } : {}) });
        } catch {
          counters.failed++;
          return;
        }
        counters[result.status]++;
        if (result.status === 'delivered' && result.ref !== undefined) sinkRefs.set(notice.alert.id, result.ref);
      };
      chains.set(sink.id, chains.get(sink.id)!.then(send));
    }
  });

  return {
    stats,
    async drain() {
      // Each chain already holds every notice seen so far, in order.
      await Promise.all(chains.values());
    },
    stop() {
      subscription.unsubscribe();
      controller.abort();
    },
  };
}
