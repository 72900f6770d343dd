import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

type Seen = Array<string | { overlong: number }>;

function collect(maxLineBytes?: number): { splitter: LineSplitter; seen: Seen } {
  const seen: Seen = [];
  const splitter = new LineSplitter(
    { line: (text) => seen.push(text), overlong: (bytes) => seen.push({ overlong: bytes }) },
    maxLineBytes,
  );
  return { splitter, seen };
}

function splitInChunks(input: Buffer, sizes: number[], maxLineBytes?: number): Seen {
  const { splitter, seen } = collect(maxLineBytes);
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const size = Math.max(1, sizes.length === 0 ? input.length : (sizes[i % sizes.length] as number));
    splitter.push(input.subarray(at, at + size));
    at += size;
  }
  splitter.end();
  return seen;
}

describe('LineSplitter', () => {
  it('splits on \\n, drops \\r before it, keeps blank lines and a last unterminated line', () => {
    const seen = splitInChunks(Buffer.from('a\r\nbb\n\n\r\nccc'), []);
    expect(seen).toEqual(['a', 'bb', '', '', 'ccc']);
  });

  it('emits nothing for empty input and no phantom line after a final newline', () => {
    expect(splitInChunks(Buffer.alloc(0), [])).toEqual([]);
    expect(splitInChunks(Buffer.from('x\n'), [])).toEqual(['x']);
  });

  it('reassembles lines fed one byte at a time, multi-byte UTF-8 included', () => {
    const text = '{"user":"jürgen"}\r\n{"ns":"日本"}\n{"emoji":"🔐"}\r\nlast';
    expect(splitInChunks(Buffer.from(text), [1])).toEqual([
      '{"user":"jürgen"}',
      '{"ns":"日本"}',
      '{"emoji":"🔐"}',
      'last',
    ]);
  });

  it('drops a \\r that ends one chunk when the \\n starts the next', () => {
    const { splitter, seen } = collect();
    splitter.push(Buffer.from('abc\r'));
    splitter.push(Buffer.from('\ndef'));
    splitter.end();
    expect(seen).toEqual(['abc', 'def']);
  });

  it('keeps a \\r that is not followed by \\n', () => {
    expect(splitInChunks(Buffer.from('a\rb\n'), [1])).toEqual(['a\rb']);
  });

  it('accepts plain Uint8Array chunks', () => {
    const { splitter, seen } = collect();
    const bytes = new TextEncoder().encode('xx\nyy\n');
    splitter.push(new Uint8Array(bytes.buffer, 1, 5)); // a view that does not start at 0: "x\nyy\n"
    splitter.end();
    expect(seen).toEqual(['x', 'yy']);
  });

  it('reports overlong lines with their size and goes on, in one chunk or many', () => {
    const input = Buffer.from(`short\n${'z'.repeat(25)}\r\nok\n${'w'.repeat(30)}`);
    for (const sizes of [[], [1], [7], [4, 9]]) {
      expect(splitInChunks(input, sizes, 20), JSON.stringify(sizes)).toEqual([
        'short',
        { overlong: 26 },
        'ok',
        { overlong: 30 },
      ]);
    }
    expect(splitInChunks(Buffer.from(`${'a'.repeat(20)}\n`), [3], 20)).toEqual(['a'.repeat(20)]);
  });

  it('yields the same lines however the input is cut (property)', () => {
    const line = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (lines, sizes, crlf) => {
          const text = lines.map((l) => `${l}${crlf ? '\r\n' : '\n'}`).join('');
          expect(splitInChunks(Buffer.from(text), sizes)).toEqual(lines.map((l) => Buffer.from(l).toString()));
        },
      ),
      { numRuns: 300 },
    );
  });
});
