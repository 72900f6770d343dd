import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody, type BodySource } from './read-body.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** The two sources readBody takes, built alike: a finite body, an endless one, one that breaks. */
const sources = {
  'a web stream': {
    of: (chunks: string[]): BodySource =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(bytes(c));
          controller.close();
        },
      }),
    endless(pulled: number[]): BodySource {
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled.push(pulled.length);
          controller.enqueue(new Uint8Array(40));
        },
      });
    },
    broken: (first: string): BodySource => {
      let pulls = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(bytes(first));
          else controller.error(new Error('socket hang up'));
        },
      });
    },
  },
  'a node request stream': {
    of: (chunks: string[]): BodySource => Readable.from(chunks.map((c) => Buffer.from(c))),
    endless(pulled: number[]): BodySource {
      return new Readable({
        read() {
          pulled.push(pulled.length);
          this.push(Buffer.alloc(40));
        },
      });
    },
    broken: (first: string): BodySource => {
      const s = new PassThrough();
      s.write(first);
      setTimeout(() => s.destroy(new Error('socket hang up')), 5);
      return s;
    },
  },
};

describe.each(Object.entries(sources))('readBody from %s', (_, source) => {
  it('returns the bytes and their SHA-256', async () => {
    const result = await readBody(source.of(['{"a":', '1}']), { limit: 100, admitted: 0, admit: () => true });
    expect(result.ok && Buffer.from(result.bytes).toString()).toBe('{"a":1}');
    expect(result.ok && result.digest).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
  });

  it('stops at the first chunk over the limit', async () => {
    const pulled: number[] = [];
    const body = source.endless(pulled);
    const result = await readBody(body, { limit: 100, admitted: 0, admit: () => true });
    expect(result).toEqual({ ok: false, why: 'too_large', read: 120 });
    // An endless body: nothing more is read once it stopped (a node stream reads ahead to its buffer size).
    const atStop = pulled.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled.length).toBe(atStop);
    // Left for the server to discard, not destroyed (that would close the socket before the 413).
    if (body instanceof Readable) expect(body.destroyed).toBe(false);
  });

  it('asks for room beyond what was admitted, and stops when refused', async () => {
    const asked: number[] = [];
    const admit = (extra: number) => (asked.push(extra), asked.length < 2);
    const result = await readBody(source.of(['aaaa', 'bb', 'cc']), { limit: 100, admitted: 3, admit });
    expect(asked).toEqual([1, 2]);
    expect(result).toMatchObject({ ok: false, why: 'over_capacity', read: 6 });
  });

  it('reports a body that broke off', async () => {
    const result = await readBody(source.broken('{"a"'), { limit: 100, admitted: 0, admit: () => true });
    expect(result).toMatchObject({ ok: false, why: 'aborted', read: 4 });
  });
});

describe('readBody', () => {
  it('reads no body as empty', async () => {
    const result = await readBody(null, { limit: 100, admitted: 0, admit: () => true });
    expect(result.ok && result.bytes.byteLength).toBe(0);
    expect(result.ok && result.digest).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('reads a node stream that had already ended', async () => {
    const s = Readable.from([Buffer.from('{}')]);
    s.resume();
    await new Promise((resolve) => s.once('end', resolve));
    const result = await readBody(s, { limit: 100, admitted: 0, admit: () => true });
    // Its data went elsewhere before readBody was called: an empty body, not a hang.
    expect(result).toMatchObject({ ok: true });
  });
});
