import { PassThrough } from 'node:stream';
import type { Alert, AlertNotice } from '@kaudit/core';
import { describe, expect, it } from 'vitest';
import { consoleSink } from './console-sink.js';

const alert: Alert = {
  id: 'abc123',
  rule: 'exec-into-pod',
  title: 'Exec into a pod',
  severity: 'high',
  tags: ['execution'],
  message: 'mallory ran bash in default/web-0',
  key: { 'user.username': 'mallory' },
  count: 1,
  firstSeen: '2024-05-01T12:00:00.000Z',
  lastSeen: '2024-05-01T12:00:00.000Z',
  events: [
    {
      auditID: 'a1',
      time: '2024-05-01T12:00:00.000Z',
      verb: 'create',
      user: 'mallory\u001b[2J',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0' },
      sourceIP: '10.0.0.1',
      responseCode: 101,
    },
  ],
  suppressed: 0,
};

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let out = '';
  stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { stream, read: () => out };
}

describe('consoleSink', () => {
  it('writes one JSON line per notice when not on a terminal', async () => {
    const { stream, read } = capture(false);
    const sink = consoleSink({ stream });
    const notice: AlertNotice = { type: 'alert', alert };
    expect(await sink.send(notice, { signal: new AbortController().signal, attempt: 1 })).toEqual({
      status: 'delivered',
    });
    await sink.send(
      { type: 'rollup', alert: { ...alert, count: 2, suppressed: 1 } },
      { signal: new AbortController().signal, attempt: 1 },
    );
    const lines = read().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'alert', alert });
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: 'rollup', alert: { count: 2 } });
  });

  it('writes readable coloured text on a terminal, with control characters from events neutralised', async () => {
    const { stream, read } = capture(true);
    const sink = consoleSink({ stream, color: true });
    await sink.send({ type: 'alert', alert }, { signal: new AbortController().signal, attempt: 1 });
    const text = read();
    expect(text).toContain('Exec into a pod');
    expect(text).toContain('mallory ran bash in default/web-0');
    expect(text).toContain('create pods/exec default/web-0');
    expect(text).toContain('\u001b['); // our colours
    expect(text).not.toContain('\u001b[2J'); // the event's screen-clearing escape
    expect(text).toContain('mallory\\u001b[2J');
  });

  it('uses no colour when asked, even on a terminal', async () => {
    const { stream, read } = capture(true);
    await consoleSink({ stream, color: false }).send(
      { type: 'alert', alert },
      { signal: new AbortController().signal, attempt: 1 },
    );
    expect(read()).not.toContain('\u001b');
    expect(read().startsWith(' HIGH  Exec into a pod [exec-into-pod]')).toBe(true);
  });
});
