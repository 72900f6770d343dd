import { getEventListeners } from 'node:events';
import { startSlackTestServer } from '@kaudit/sinks/testing';
import { describe, expect, it } from 'vitest';
import { linkedFetch } from './linked-fetch.js';

describe('linkedFetch', () => {
  it('shows each response and leaves no listener on the long-lived signal once released', async () => {
    const slack = await startSlackTestServer();
    try {
      const shutdown = new AbortController();
      for (let i = 0; i < 5; i++) {
        const statuses: number[] = [];
        const linked = linkedFetch(shutdown.signal, (response) => statuses.push(response.status));
        const response = await linked.fetch(`${slack.url}/nowhere`, { method: 'POST', body: '' });
        await response.text();
        linked.release();
        expect(statuses).toEqual([404]);
      }
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    } finally {
      await slack.close();
    }
  });

  it('aborts the request when either the send signal or the client signal aborts', async () => {
    const slack = await startSlackTestServer();
    try {
      slack.slow(60_000);
      const send = new AbortController();
      const linked = linkedFetch(send.signal);
      const pending = linked.fetch(`${slack.url}/x`, { method: 'POST', body: '' });
      send.abort(new Error('shutting down'));
      await expect(pending).rejects.toThrow('shutting down');
      const client = new AbortController();
      const other = linkedFetch(new AbortController().signal).fetch(`${slack.url}/x`, {
        method: 'POST',
        body: '',
        signal: client.signal,
      });
      client.abort(new Error('client timeout'));
      await expect(other).rejects.toThrow('client timeout');
    } finally {
      await slack.close();
    }
  });
});
