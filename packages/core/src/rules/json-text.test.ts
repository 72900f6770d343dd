import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonText, positionOf } from './json-text.js';

function errorOf(text: string) {
  const result = parseJsonText(text);
  if (result.ok) throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
  return result.error;
}

describe('parseJsonText', () => {
  it('returns what JSON.parse returns, including "__proto__" as an own key', () => {
    const text = '{"a": [1, 2.5e3, -0, "x\\u0041\\n"], "b": {"__proto__": {"polluted": true}}, "c": null}';
    const result = parseJsonText(text);
    expect(result).toEqual({ ok: true, value: JSON.parse(text), duplicateKeys: [] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, 'expected "," or "}" after the property value; found "\\"b\\""'],
    ['{"a": 1,}', 1, 9, 'trailing comma: expected a property name in double quotes'],
    ['[1, 2,]', 1, 7, 'trailing comma: expected a value'],
    ['{\n  // note\n  "a": 1\n}', 2, 3, 'comments are not allowed in JSON'],
    ["{'a': 1}", 1, 2, 'expected a property name in double quotes; found "\'a\'"'],
    ['{"a": \'x\'}', 1, 7, 'strings must use double quotes'],
    ['{"a" 1}', 1, 6, 'expected ":" after the property name; found "1"'],
    ['{"a": }', 1, 7, 'expected a value (object, array, string, number, true, false or null); found "}"'],
    ['{"a": "b\nc"}', 1, 9, 'unterminated string (a line break must be written \\n)'],
    ['{"a": "\\x"}', 1, 8, 'invalid escape "\\x" in a string'],
    ['{"a": 01}', 1, 7, 'invalid number "01"'],
    ['{"a": 1.}', 1, 7, 'invalid number "1."'],
    ['{"a": tru}', 1, 7, 'expected a value (object, array, string, number, true, false or null); found "tru"'],
    ['{"a": 1}}', 1, 9, 'unexpected text after the JSON value'],
    ['{"a": [1, 2}', 1, 12, 'expected "," or "]" after the array item; found "}"'],
    ['{"a": 1', 1, 8, 'expected "," or "}" after the property value; found end of file'],
    ['', 1, 1, 'the file is empty: expected a JSON value'],
    ['  \n', 2, 1, 'the file is empty: expected a JSON value'],
  ])('reports %j at line %i, column %i', (text, line, column, message) => {
    expect(errorOf(text)).toEqual({ line, column, message });
  });

  it('ignores a leading byte-order mark (editors on Windows write one)', () => {
    expect(parseJsonText('\uFEFF{"a": 1}')).toEqual({ ok: true, value: { a: 1 }, duplicateKeys: [] });
    expect(errorOf('\uFEFF{"a" 1}')).toMatchObject({ line: 1, column: 6 });
  });

  it('reports duplicate keys with their pointer and position', () => {
    const text =
      '{\n  "rules": [\n    {"name": "a", "severity": "low",\n     "severity": "high"}\n  ],\n  "a/b": 1, "a/b": 2\n}';
    const result = parseJsonText(text);
    expect(result).toEqual({
      ok: true,
      value: JSON.parse(text),
      duplicateKeys: [
        { pointer: '/rules/0/severity', key: 'severity', line: 4, column: 6 },
        { pointer: '/a~1b', key: 'a/b', line: 6, column: 13 },
      ],
    });
  });

  it('refuses very deep nesting instead of overflowing the stack', () => {
    expect(errorOf('['.repeat(100_000)).message).toMatch(/nested deeper than/);
  });

  it('accepts exactly what JSON.parse accepts (differential, on valid JSON and on mutations of it)', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', '0', '.', 'e', '-', ' ', '\\', '/', '\n', 'x'),
      )
      .map(([json, at, insert]) => {
        const i = json.length === 0 ? 0 : at % json.length;
        // Replace one character (or delete it, with '').
        return json.slice(0, i) + insert + json.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated), (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        const result = parseJsonText(text);
        expect(result.ok).toBe(valid);
        if (result.ok) expect(result.value).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('positionOf', () => {
  it('counts lines and columns from 1, with \\r\\n line ends too', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(positionOf('ab\r\ncd', 5)).toEqual({ line: 2, column: 2 });
  });
});
