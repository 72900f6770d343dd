import { describe, expect, it } from 'vitest';
import { createInternTable } from './intern.js';

/** A string equal to `s` but built at run time (as JSON.parse builds them). */
const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

describe('createInternTable', () => {
  it('holds one entry per distinct string and returns equal values', () => {
    const table = createInternTable();
    const out = ['get', 'ResponseComplete', 'get', 'get', 'secrets', 'ResponseComplete'].map((s) =>
      table.intern(fresh(s)),
    );
    expect(out).toEqual(['get', 'ResponseComplete', 'get', 'get', 'secrets', 'ResponseComplete']);
    expect(table.size).toBe(3);
  });

  it('leaves strings longer than maxLength out of the table', () => {
    const table = createInternTable({ maxLength: 3 });
    expect(table.intern('a long user agent')).toBe('a long user agent');
    expect(table.intern('get')).toBe('get');
    expect(table.size).toBe(1);
  });

  it('stays bounded: a full table starts afresh', () => {
    const table = createInternTable({ maxEntries: 2 });
    const sizes: number[] = [];
    const out = ['a', 'b', 'c', 'd', 'e', 'a'].map((s) => {
      const v = table.intern(fresh(s));
      sizes.push(table.size);
      return v;
    });
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e', 'a']);
    expect(sizes).toEqual([1, 2, 1, 2, 1, 2]);
  });
});
