import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { readEvents, type ReadOptions, type SourcedResult } from './read-events.js';

const ev = (auditID: string) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID,
  stage: 'ResponseComplete',
  verb: 'list',
  requestURI: '/api/v1/pods',
  user: { username: 'system:node:n1' },
  requestReceivedTimestamp: '2024-05-01T12:00:00.000001Z',
});

const jsonLines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `${JSON.stringify(ev(String(from + i)))}\n`).join('');

async function readAll(
  input: Parameters<typeof readEvents>[0],
  options?: ReadOptions,
): Promise<{ batches: SourcedResult[]; events: SourcedResult['events']; rejected: SourcedResult['rejected'] }> {
  const batches: SourcedResult[] = [];
  for await (const batch of readEvents(input, options)) batches.push(batch);
  return {
    batches,
    events: batches.flatMap((b) => b.events),
    rejected: batches.flatMap((b) => b.rejected),
  };
}

async function readError(input: Parameters<typeof readEvents>[0], options?: ReadOptions): Promise<KauditError> {
  try {
    await readAll(input, options);
  } catch (err) {
    if (err instanceof KauditError) return err;
    throw err;
  }
  throw new Error('expected a KauditError');
}

/** A stream that hands the bytes over one at a time, as a slow pipe might. */
const byteByByte = (data: Buffer) => Readable.from(Array.from(data, (b) => Buffer.from([b])));

const dir = mkdtempSync(join(tmpdir(), 'kaudit-read-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEvents: JSON lines', () => {
  it('decodes a stream of lines and names the source', async () => {
    const { events, rejected, batches } = await readAll(Readable.from([jsonLines(3)]), { source: 'unit' });
    expect(events.map((e) => e.auditID)).toEqual(['0', '1', '2']);
    expect(rejected).toEqual([]);
    expect(batches.every((b) => b.source === 'unit')).toBe(true);
  });

  it('reports the raw bytes it reads, compressed bytes for gzip, for progress', async () => {
    const gz = gzipSync(jsonLines(200));
    let bytes = 0;
    const { events } = await readAll(Readable.from([gz.subarray(0, 100), gz.subarray(100)]), {
      onBytes: (n) => (bytes += n),
    });
    expect(events).toHaveLength(200);
    expect(bytes).toBe(gz.length);
  });

  it('yields in batches of about batchLines lines, in order', async () => {
    const chunks = jsonLines(10).match(/[^\n]*\n/g) ?? [];
    const { batches, events } = await readAll(Readable.from(chunks), { batchLines: 3 });
    expect(batches.map((b) => b.events.length)).toEqual([3, 3, 3, 1]);
    expect(events.map((e) => e.auditID)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('rejects bad lines with their line numbers and decodes the rest', async () => {
    const text = [
      JSON.stringify(ev('a')),
      '{"kind":"Event","verb":',
      '',
      JSON.stringify({ verb: 'get', responseStatus: { code: 'x' } }),
      '[1]',
      JSON.stringify(ev('b')),
      '{"hello":true}',
    ].join('\r\n');
    const { events, rejected } = await readAll(Readable.from([text]), { source: 's' });
    expect(events.map((e) => e.auditID)).toEqual(['a', 'b']);
    expect(rejected).toEqual([
      { line: 2, source: 's', reason: expect.stringMatching(/^not JSON: /) as unknown },
      { line: 4, source: 's', reason: 'responseStatus.code is "x", expected a number' },
      { line: 5, index: 0, source: 's', reason: 'an event must be a JSON object, got 1' },
      { line: 7, source: 's', reason: expect.stringMatching(/^not an audit event: /) as unknown },
    ]);
  });

  it('reads lines delivered one byte at a time', async () => {
    const text = `\n${JSON.stringify({ ...ev('ü'), userAgent: 'kübectl/日本' })}\r\n${jsonLines(2)}`;
    const { events } = await readAll(byteByByte(Buffer.from(text)));
    expect(events.map((e) => e.auditID)).toEqual(['ü', '0', '1']);
    expect(events[0]?.userAgent).toBe('kübectl/日本');
  });

  it('reports an overlong line as one rejection and goes on', async () => {
    const long = JSON.stringify({ ...ev('long'), pad: 'p'.repeat(500) });
    const text = `${JSON.stringify(ev('a'))}\n${long}\n${JSON.stringify(ev('b'))}\n`;
    const { events, rejected } = await readAll(Readable.from([text]), { maxDocumentBytes: 400, source: 's' });
    expect(events.map((e) => e.auditID)).toEqual(['a', 'b']);
    expect(rejected).toEqual([{ line: 2, source: 's', reason: `line of ${long.length} bytes, longer than 400` }]);
  });

  it('skips a byte order mark and yields nothing for an empty input', async () => {
    const { events } = await readAll(Readable.from([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(jsonLines(1))]));
    expect(events).toHaveLength(1);
    expect((await readAll(Readable.from([]))).batches).toEqual([]);
    expect((await readAll(Readable.from(['\n\n  \n']))).batches).toEqual([]);
  });

  it('streams: the first batch arrives before the input ends', async () => {
    const input = new PassThrough();
    input.write(jsonLines(2500));
    const iterator = readEvents(input, { batchLines: 1000 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(first.value?.events.length).toBeGreaterThanOrEqual(1000);
    expect(input.writableEnded).toBe(false);
    input.end(jsonLines(1, 2500));
    let total = first.value?.events.length ?? 0;
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) total += r.value.events.length;
    expect(total).toBe(2501);
  });
});

describe('readEvents: gzip', () => {
  it('detects gzip by its magic bytes, whatever the name', async () => {
    const gz = gzipSync(Buffer.from(jsonLines(1200)));
    const path = join(dir, 'events.log'); // no .gz: detection must not rely on the name
    writeFileSync(path, gz);
    const { events, rejected, batches } = await readAll(path);
    expect(events).toHaveLength(1200);
    expect(rejected).toEqual([]);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches[0]?.source).toBe(path);
  });

  it('inflates gzip delivered one byte at a time', async () => {
    const gz = gzipSync(Buffer.from(`${jsonLines(3)}oops\n`));
    const { events, rejected } = await readAll(byteByByte(gz));
    expect(events.map((e) => e.auditID)).toEqual(['0', '1', '2']);
    expect(rejected).toEqual([{ line: 4, source: 'stream', reason: expect.stringMatching(/^not JSON/) as unknown }]);
  });

  it('decodes a gzipped pretty-printed document', async () => {
    const doc = JSON.stringify({ kind: 'EventList', items: [ev('a'), ev('b')] }, null, 2);
    expect((await readAll(Readable.from([gzipSync(doc)]))).events.map((e) => e.auditID)).toEqual(['a', 'b']);
  });

  it('fails with unreadable_input on corrupt or truncated gzip, after delivering what it read', async () => {
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('definitely not deflate data')]);
    const err = await readError(Readable.from([corrupt]), { source: 'bad.gz' });
    expect(err.code).toBe('unreadable_input');
    expect(err.message).toMatch(/^\[decode\] cannot read bad\.gz: gzip: /);

    const gz = gzipSync(Buffer.from(jsonLines(50)));
    const truncated = gz.subarray(0, gz.length - 12);
    const seen: SourcedResult[] = [];
    let error: unknown;
    try {
      for await (const batch of readEvents(Readable.from([truncated]))) seen.push(batch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KauditError);
    expect((error as KauditError).code).toBe('unreadable_input');
    expect(seen.flatMap((b) => b.events).length).toBeGreaterThan(0);
  });
});

describe('readEvents: one JSON document', () => {
  it('falls back to the whole document when the first line is the start of one', async () => {
    const list = JSON.stringify(
      { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev('a'), { kind: 0 }, ev('c')] },
      null,
      2,
    );
    const { events, rejected } = await readAll(byteByByte(Buffer.from(`\n${list}\n`)), { source: 'list.json' });
    expect(events.map((e) => e.auditID)).toEqual(['a', 'c']);
    expect(rejected).toEqual([{ index: 1, source: 'list.json', reason: 'kind is 0, expected "Event"' }]);
  });

  it('decodes a pretty-printed Azure wrapper from a file', async () => {
    const wrapper = JSON.stringify(
      {
        records: [
          { category: 'kube-audit', properties: { log: JSON.stringify(ev('x')) } },
          { properties: { log: ev('y') } },
        ],
      },
      null,
      4,
    );
    const path = join(dir, 'aks.json');
    writeFileSync(path, wrapper.replace(/\n/g, '\r\n'));
    expect((await readAll(path)).events.map((e) => e.auditID)).toEqual(['x', 'y']);
  });

  it('still decodes JSON lines whose first line is truncated', async () => {
    const text = `{"kind":"Event","verb":"ge\n${jsonLines(3)}`;
    const { events, rejected } = await readAll(Readable.from([text]));
    expect(events.map((e) => e.auditID)).toEqual(['0', '1', '2']);
    expect(rejected).toEqual([{ line: 1, source: 'stream', reason: expect.stringMatching(/^not JSON: /) as unknown }]);
  });

  it('refuses a document larger than maxDocumentBytes', async () => {
    const doc = JSON.stringify([ev('a'), ev('b'), ev('c')], null, 2);
    const err = await readError(Readable.from(doc.match(/[^]{1,50}/g) ?? []), {
      maxDocumentBytes: 200,
      source: 'big.json',
    });
    expect(err.code).toBe('document_too_large');
    expect(err.message).toContain('big.json');
    expect(err.message).toContain('200');
    expect((await readAll(Readable.from([doc]), { maxDocumentBytes: doc.length })).events).toHaveLength(3);
  });

  it('throws as decodeBody does for a broken or non-audit document', async () => {
    const broken = await readError(Readable.from(['{\n  "kind": "EventList",\n  "items": [\n']), { source: 'b.json' });
    expect(broken.code).toBe('invalid_json');
    expect(broken.message).toContain('b.json');
    const other = await readError(Readable.from(['{\n  "hello": 1\n}\n']));
    expect(other.code).toBe('not_audit_events');
  });
});

describe('readEvents: inputs', () => {
  it('reads a file path', async () => {
    const path = join(dir, 'plain.jsonl');
    writeFileSync(path, jsonLines(5));
    const { events, batches } = await readAll(path);
    expect(events).toHaveLength(5);
    expect(batches[0]?.source).toBe(path);
  });

  it('reads stdin for "-"', async () => {
    const original = Object.getOwnPropertyDescriptor(process, 'stdin');
    Object.defineProperty(process, 'stdin', { value: Readable.from([jsonLines(2)]), configurable: true });
    try {
      const { events, batches } = await readAll('-');
      expect(events).toHaveLength(2);
      expect(batches[0]?.source).toBe('stdin');
    } finally {
      if (original) Object.defineProperty(process, 'stdin', original);
    }
  });

  it('fails with unreadable_input, naming the path, for a missing file or a directory', async () => {
    const missing = join(dir, 'nope.jsonl');
    const err = await readError(missing);
    expect(err.code).toBe('unreadable_input');
    expect(err.message).toContain(`cannot read ${missing}`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((await readError(dir)).code).toBe('unreadable_input');
  });

  it('fails with unreadable_input when a stream errors, after yielding what it had', async () => {
    async function* failing() {
      yield Buffer.from(jsonLines(3));
      throw new Error('connection reset');
    }
    const seen: SourcedResult[] = [];
    let error: unknown;
    try {
      for await (const batch of readEvents(Readable.from(failing()), { source: 'net' })) seen.push(batch);
    } catch (e) {
      error = e;
    }
    expect(seen.flatMap((b) => b.events)).toHaveLength(3);
    expect(error).toBeInstanceOf(KauditError);
    expect((error as KauditError).message).toBe('[decode] cannot read net: connection reset');
  });

  it('releases the input when the consumer stops early, plain or gzip', async () => {
    for (const gzip of [false, true]) {
      const input = new PassThrough();
      const data = Buffer.from(jsonLines(3000));
      input.write(gzip ? gzipSync(data) : data);
      for await (const batch of readEvents(input, { batchLines: 100 })) {
        expect(batch.events.length).toBeGreaterThan(0);
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(input.destroyed, gzip ? 'gzip' : 'plain').toBe(true);
    }
  });

  it('refuses nonsensical options', async () => {
    expect((await readError(Readable.from([]), { batchLines: 0 })).code).toBe('invalid_options');
  });
});
