import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFactPath, genericFactPath, parseFactPath } from './fact-path.js';
import { FIELD_GETTER_PATHS, fieldGetter } from './field-getters.js';

// A value at one step of a path: what events hold there, and what they must not be confused with.
const leafValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.constant({}),
);

/** An object holding `keys` (own, inherited, absent, or with a wrong-typed step on the way). */
function holder(keys: readonly string[]): fc.Arbitrary<unknown> {
  if (keys.length === 0) return leafValue;
  const [key, ...rest] = keys as [string, ...string[]];
  return fc.oneof(
    holder(rest).map((v) => ({ [key]: v, other: 1 })),
    holder(rest).map((v) => Object.create({ [key]: v }) as object),
    holder(rest).map((v) => [v]),
    fc.constant({}),
    leafValue,
  );
}

describe('dedicated field getters', () => {
  it('read exactly what the generic getter reads, for every path they serve', () => {
    for (const path of FIELD_GETTER_PATHS) {
      const dedicated = fieldGetter(path)!;
      const generic = genericFactPath(path);
      expect(compileFactPath(path)).toBe(dedicated);
      fc.assert(
        fc.property(
          holder(parseFactPath(path)).filter((e) => e !== null && typeof e === 'object'),
          (e) => {
            expect(dedicated(e as object)).toBe(generic(e as object));
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('leave other paths to the generic getter', () => {
    expect(fieldGetter('objectRef')).toBeDefined();
    expect(fieldGetter('objectRef.uid')).toBeUndefined();
    expect(fieldGetter('toString')).toBeUndefined();
    expect(compileFactPath('objectRef.uid')({ objectRef: { uid: 'u' } })).toBe('u');
  });
});
