import { describe, expect, it } from 'vitest';
import {
  childPointer,
  compareDocumentOrder,
  isWithinPointer,
  jsonPointer,
  pointerSegments,
  valueAtPointer,
} from './json-pointer.js';

describe('JSON pointers', () => {
  it('escapes "~" and "/" in keys and reads them back', () => {
    const pointer = jsonPointer('lists', 'a/b~c', 0);
    expect(pointer).toBe('/lists/a~1b~0c/0');
    expect(pointerSegments(pointer)).toEqual(['lists', 'a/b~c', '0']);
    expect(pointerSegments('')).toEqual([]);
    expect(childPointer('/rules/1', 'threshold', 'within')).toBe('/rules/1/threshold/within');
  });

  it('tells whether a pointer lies within another by whole segments', () => {
    expect(isWithinPointer('/rules/1/name', '/rules/1')).toBe(true);
    expect(isWithinPointer('/rules/1', '/rules/1')).toBe(true);
    expect(isWithinPointer('/rules/10', '/rules/1')).toBe(false);
    expect(isWithinPointer('/rules', '')).toBe(true);
  });

  it('reads values by pointer, own properties only', () => {
    const doc = { rules: [{ name: 'a' }], 'a/b': 1 };
    expect(valueAtPointer(doc, '/rules/0/name')).toBe('a');
    expect(valueAtPointer(doc, '/a~1b')).toBe(1);
    expect(valueAtPointer(doc, '')).toBe(doc);
    expect(valueAtPointer(doc, '/rules/1/name')).toBeUndefined();
    expect(valueAtPointer(doc, '/rules/0/name/length')).toBeUndefined();
    expect(valueAtPointer(doc, '/constructor')).toBeUndefined();
  });

  it('orders pointers as the document is written: key order, array index, parents first', () => {
    const doc = JSON.parse('{"rules": [{"name": "a", "severity": "x"}, {}], "lists": {}}') as unknown;
    const pointers = [
      '/lists',
      '/rules/1',
      '/rules/0/severity',
      '/rules/0',
      '/rules/0/missing',
      '/rules/0/name',
      '/rules/10',
    ];
    expect(pointers.sort((a, b) => compareDocumentOrder(doc, a, b))).toEqual([
      '/rules/0',
      '/rules/0/name',
      '/rules/0/severity',
      '/rules/0/missing',
      '/rules/1',
      '/rules/10',
      '/lists',
    ]);
  });
});
