import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readBody } from './read-body.js';

const stream = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe('readBody', () => {
  it('returns the bytes and their SHA-256', async () => {
    const result = await readBody(stream(['{"a":', '1}']), { limit: 100, admitted: 0, admit: () => true });
    expect(result.ok && Buffer.from(result.bytes).toString()).toBe('{"a":1}');
    expect(result.ok && result.digest).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
  });

  it('stops at the first chunk over the limit', async () => {
    const pulled: number[] = [];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled.push(pulled.length);
        controller.enqueue(new Uint8Array(40));
      },
    });
    const result = await readBody(body, { limit: 100, admitted: 0, admit: () => true });
    expect(result).toEqual({ ok: false, why: 'too_large', read: 120 });
    expect(pulled.length).toBeLessThan(10); // an endless body: it did not read on
  });

  it('asks for room beyond what was admitted, and stops when refused', async () => {
    const asked: number[] = [];
    const admit = (extra: number) => (asked.push(extra), asked.length < 2);
    const result = await readBody(stream(['aaaa', 'bb', 'cc']), { limit: 100, admitted: 3, admit });
    expect(asked).toEqual([1, 2]);
    expect(result).toMatchObject({ ok: false, why: 'over_capacity', read: 6 });
  });

  it('reports a body that broke off', async () => {
    let pulls = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('{"a"'));
        else controller.error(new Error('socket hang up'));
      },
    });
    const result = await readBody(broken, {
      limit: 100,
      admitted: 0,
      admit: () => true,
    });
    expect(result).toMatchObject({ ok: false, why: 'aborted', read: 4 });
  });

  it('reads no body as empty', async () => {
    const result = await readBody(null, { limit: 100, admitted: 0, admit: () => true });
    expect(result.ok && result.bytes.byteLength).toBe(0);
  });
});
