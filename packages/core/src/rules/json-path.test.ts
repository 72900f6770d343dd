import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { compileJsonPath } from './json-path.js';

const reference = (path: string, json: object): unknown => JSONPath({ path, json, wrap: false });

// Keys chosen to hit jsonpath-plus's quirks: numeric names on arrays, `length` on strings and
// arrays, keys that spell an operator (`*`, `~`, `a,b`), and keys with spaces.
const KEYS = ['a', 'b', 'spec', '0', '1', 'length', '*', '~', 'a,b', 'x y', 'containers'];

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 3 }), fc.constantFrom('', 'ab', 'xyz')),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 4 }),
  ),
})).node;

const root = fc.oneof(
  fc.array(value, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }),
);

const name = fc.constantFrom('a', 'b', 'spec', 'length', 'containers', 'x_y');
const segment = fc.oneof(
  name.map((n) => `.${n}`),
  fc.constantFrom('0', '1', '2').map((i) => `[${i}]`),
  fc.constantFrom('.*', '[*]'),
  fc.constantFrom("['a']", "['x y']", "['0']", '[a,b]', '[spec,containers,b]', '[0,1]'),
);
const path = fc
  .tuple(fc.constantFrom('$', ''), fc.array(segment, { maxLength: 4 }), fc.boolean())
  .map(([start, segments, names]) => {
    let p = start + segments.join('');
    if (start === '' && p.startsWith('.')) p = p.slice(1);
    if (p === '') p = '$';
    return names ? `${p}~` : p;
  });

describe('compileJsonPath', () => {
  it('gives what jsonpath-plus gives, on every path it compiles', () => {
    let compiledPaths = 0;
    fc.assert(
      fc.property(path, root, (p, json) => {
        const compiled = compileJsonPath(p);
        if (compiled === undefined) return;
        compiledPaths++;
        expect(compiled(json as object)).toStrictEqual(reference(p, json as object));
        // Twice: an evaluator keeps no state from one call to the next.
        expect(compiled(json as object)).toStrictEqual(reference(p, json as object));
      }),
      { numRuns: 3000 },
    );
    expect(compiledPaths).toBeGreaterThan(2000);
  });

  it('compiles the paths rules use and agrees on realistic bodies', () => {
    const pod = {
      kind: 'Pod',
      spec: {
        hostNetwork: true,
        containers: [
          { name: 'a', image: 'nginx', securityContext: { privileged: true } },
          { name: 'b', image: 'x' },
        ],
        initContainers: [{ name: 'i', securityContext: { privileged: false } }],
        volumes: [{ hostPath: { path: '/proc' } }, { emptyDir: {} }],
      },
      data: { password: 'p', 'app.properties': 'x' },
      roleRef: { name: 'cluster-admin' },
    };
    const paths = [
      '$.spec.hostNetwork',
      '$.roleRef.name',
      '$.spec.containers[*].securityContext.privileged',
      '$.spec[containers,initContainers,ephemeralContainers][*].securityContext.privileged',
      '$.spec.volumes[*].hostPath.path',
      '$.data.*~',
      '$.data.*',
      '$.spec.containers[0].image',
      '$.metadata.name',
      '$',
    ];
    for (const p of paths) {
      const compiled = compileJsonPath(p);
      expect(compiled, p).toBeDefined();
      expect(compiled!(pod), p).toStrictEqual(reference(p, pod));
    }
    expect(compileJsonPath('$.spec.containers[*].securityContext.privileged')!(pod)).toEqual(
      [true, undefined].slice(0, 1),
    );
  });

  it('leaves recursive descent, filters, slices and the rest to jsonpath-plus', () => {
    for (const p of [
      '$..hostPath.path',
      '$.spec.containers[?(@.name == "a")].image',
      '$.a[0:2]',
      '$.a^',
      '$.a.@string()',
      '$[(@.length-1)]',
    ]) {
      expect(compileJsonPath(p), p).toBeUndefined();
    }
  });
});
