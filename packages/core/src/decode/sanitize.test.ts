import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { FAKE_JWT, FAKE_TOKENS } from '../redact/fake-credentials.js';
import { LAST_APPLIED_ANNOTATION } from '../redact/last-applied.js';
import { DEFAULT_LIMITS, resolveLimits, sanitize, sawRedactionTrigger, VALUE_COST } from './sanitize.js';

function nestedArrays(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

function nestedObjects(depth: number): unknown {
  let v: unknown = { leaf: true };
  for (let i = 1; i < depth; i++) v = { child: v };
  return v;
}

describe('sanitize', () => {
  it('accepts an ordinary event and leaves it unchanged', () => {
    const event = {
      kind: 'Event',
      verb: 'get',
      user: { username: 'alice', groups: ['system:authenticated'] },
      sourceIPs: ['10.0.0.1'],
      responseStatus: { code: 200 },
      requestObject: { spec: { containers: [{ name: 'c', securityContext: { privileged: true } }] } },
    };
    const copy = structuredClone(event);
    expect(sanitize(event, DEFAULT_LIMITS)).toBeUndefined();
    expect(event).toEqual(copy);
  });

  it('accepts scalars at the root', () => {
    expect(sanitize(1, DEFAULT_LIMITS)).toBeUndefined();
    expect(sanitize(null, DEFAULT_LIMITS)).toBeUndefined();
    expect(sanitize('x', DEFAULT_LIMITS)).toBeUndefined();
  });

  describe('depth', () => {
    it('accepts exactly maxDepth levels and refuses one more', () => {
      expect(sanitize(nestedArrays(64), DEFAULT_LIMITS)).toBeUndefined();
      expect(sanitize(nestedArrays(65), DEFAULT_LIMITS)).toBe('nesting deeper than 64');
      expect(sanitize(nestedObjects(64), DEFAULT_LIMITS)).toBeUndefined();
      expect(sanitize(nestedObjects(65), DEFAULT_LIMITS)).toBe('nesting deeper than 64');
    });

    it('refuses 100,000 nested arrays without overflowing the stack', () => {
      const parsed: unknown = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
      expect(() => sanitize(parsed, DEFAULT_LIMITS)).not.toThrow();
      expect(sanitize(parsed, DEFAULT_LIMITS)).toBe('nesting deeper than 64');
    });

    it('walks 100,000 levels without recursion when the limit allows it', () => {
      const deep = nestedObjects(100_000);
      expect(sanitize(deep, { ...DEFAULT_LIMITS, maxDepth: 200_000, maxTotalSize: Infinity })).toBeUndefined();
    });

    it('honours a custom depth', () => {
      const limits = resolveLimits({ maxDepth: 2 });
      expect(sanitize({ a: { b: 1 } }, limits)).toBeUndefined();
      expect(sanitize({ a: { b: [] } }, limits)).toBe('nesting deeper than 2');
      expect(sanitize([], { ...limits, maxDepth: 0 })).toBe('nesting deeper than 0');
    });

    it('stops on a cycle instead of looping forever', () => {
      const a: Record<string, unknown> = { verb: 'get' };
      a.self = a;
      expect(sanitize(a, DEFAULT_LIMITS)).toBe('nesting deeper than 64');
    });
  });

  describe('width', () => {
    it('refuses an array with more than maxWidth items', () => {
      expect(sanitize(new Array(10_000).fill(0), DEFAULT_LIMITS)).toBeUndefined();
      expect(sanitize(new Array(10_001).fill(0), DEFAULT_LIMITS)).toBe('an array has 10001 items, more than 10000');
    });

    it('refuses an object with more than maxWidth keys, nested too', () => {
      const wide: Record<string, number> = {};
      for (let i = 0; i < 10_000; i++) wide[`k${i}`] = i;
      expect(sanitize({ requestObject: { data: wide } }, DEFAULT_LIMITS)).toBeUndefined();
      wide.one_more = 1;
      expect(sanitize({ requestObject: { data: wide } }, DEFAULT_LIMITS)).toBe('an object has more than 10000 keys');
    });
  });

  describe('strings', () => {
    it('refuses a string longer than maxStringLength and names its key', () => {
      const max = DEFAULT_LIMITS.maxStringLength;
      expect(sanitize({ data: 'x'.repeat(max) }, DEFAULT_LIMITS)).toBeUndefined();
      expect(sanitize({ data: 'x'.repeat(max + 1) }, DEFAULT_LIMITS)).toBe(
        `the string at key "data" has ${max + 1} characters, longer than ${max}`,
      );
      expect(sanitize(['x'.repeat(max + 1)], DEFAULT_LIMITS)).toBe(
        `a string of ${max + 1} characters, longer than ${max}`,
      );
      expect(sanitize('x'.repeat(max + 1), DEFAULT_LIMITS)).toBe(
        `a string of ${max + 1} characters, longer than ${max}`,
      );
    });

    it('refuses an overlong key', () => {
      const limits = resolveLimits({ maxStringLength: 10 });
      expect(sanitize({ ['k'.repeat(11)]: 1 }, limits)).toBe('a key of 11 characters, longer than 10');
    });
  });

  describe('total size', () => {
    it('refuses many strings that are each within limits but together too large', () => {
      const chunk = 'y'.repeat(200_000);
      const many = { data: Array.from({ length: 21 }, () => chunk) }; // 4.2 M characters
      expect(sanitize(many, DEFAULT_LIMITS)).toBe(`larger than ${4 * 1024 * 1024} (size estimate)`);
      expect(sanitize({ data: many.data.slice(0, 20) }, DEFAULT_LIMITS)).toBeUndefined();
    });

    it('counts keys and a constant per value', () => {
      // root + one key of 3 characters + its value: VALUE_COST + 3 + VALUE_COST.
      const exact = VALUE_COST + 3 + VALUE_COST;
      expect(sanitize({ abc: 1 }, { ...DEFAULT_LIMITS, maxTotalSize: exact })).toBeUndefined();
      expect(sanitize({ abc: 1 }, { ...DEFAULT_LIMITS, maxTotalSize: exact - 1 })).toMatch(/^larger than/);
      // Values in arrays cost too: 3 numbers are 3 * VALUE_COST on top of the root.
      expect(sanitize([1, 2, 3], { ...DEFAULT_LIMITS, maxTotalSize: 4 * VALUE_COST })).toBeUndefined();
      expect(sanitize([1, 2, 3], { ...DEFAULT_LIMITS, maxTotalSize: 4 * VALUE_COST - 1 })).toMatch(/^larger than/);
    });
  });

  describe('prototype keys', () => {
    it('deletes __proto__, constructor and prototype at every level', () => {
      const parsed = JSON.parse(
        '{"__proto__":{"polluted":true},"verb":"get","requestObject":{"constructor":{"prototype":{"polluted":true}},' +
          '"items":[{"__proto__":{"polluted":true},"keep":1}]},"prototype":1}',
      ) as Record<string, unknown>;
      expect(Object.hasOwn(parsed, '__proto__')).toBe(true); // JSON.parse makes it an own key
      expect(sanitize(parsed, DEFAULT_LIMITS)).toBeUndefined();
      expect(Object.hasOwn(parsed, '__proto__')).toBe(false);
      expect(Object.hasOwn(parsed, 'prototype')).toBe(false);
      expect(parsed).toEqual({ verb: 'get', requestObject: { items: [{ keep: 1 }] } });
      expect(Object.keys(parsed.requestObject as object)).toEqual(['items']);
    });

    it('leaves nothing that pollutes Object.prototype when merged naively afterwards', () => {
      const parsed = JSON.parse('{"__proto__":{"polluted":"yes"},"verb":"get"}') as object;
      // Object.assign would use the own __proto__ key as a prototype setter on the target.
      const before = Object.assign({}, JSON.parse('{"__proto__":{"polluted":"yes"}}') as object) as Record<
        string,
        unknown
      >;
      expect(before.polluted).toBe('yes');
      sanitize(parsed, DEFAULT_LIMITS);
      const merged = Object.assign({}, parsed) as Record<string, unknown>;
      expect(merged.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    });

    it('keeps keys that only look like them', () => {
      const v = { __proto__x: 1, Constructor: 2, prototypes: 3, constructo: 4 };
      const copy = { ...v };
      expect(sanitize(v, DEFAULT_LIMITS)).toBeUndefined();
      expect(v).toEqual(copy);
    });

    it('reports a forbidden key it cannot remove from a frozen object', () => {
      const frozen = Object.freeze(JSON.parse('{"constructor":1}') as object);
      expect(sanitize({ a: frozen }, DEFAULT_LIMITS)).toBe('cannot remove the forbidden key "constructor"');
    });
  });

  describe('values JSON cannot hold', () => {
    it('refuses functions, symbols, bigints and non-plain objects', () => {
      expect(sanitize({ f: () => 1 }, DEFAULT_LIMITS)).toBe('a function is not JSON data');
      expect(sanitize([Symbol('s')], DEFAULT_LIMITS)).toBe('a symbol is not JSON data');
      expect(sanitize({ n: 1n }, DEFAULT_LIMITS)).toBe('a bigint is not JSON data');
      expect(sanitize({ t: new Date(0) }, DEFAULT_LIMITS)).toBe('a Date object is not JSON data');
      expect(sanitize({ m: new Map() }, DEFAULT_LIMITS)).toBe('a Map object is not JSON data');
      class Custom {
        verb = 'get';
      }
      expect(sanitize(new Custom(), DEFAULT_LIMITS)).toBe('a Custom object is not JSON data');
    });

    it('accepts null-prototype objects and undefined properties', () => {
      const bare = Object.assign(Object.create(null) as object, { verb: 'get', x: undefined });
      expect(sanitize(bare, DEFAULT_LIMITS)).toBeUndefined();
    });
  });
});

describe('resolveLimits', () => {
  it('fills missing limits from the defaults', () => {
    expect(resolveLimits()).toBe(DEFAULT_LIMITS);
    expect(resolveLimits({ maxDepth: 3 })).toEqual({ ...DEFAULT_LIMITS, maxDepth: 3 });
  });

  it('refuses a limit that would silently disable its check', () => {
    expect(() => resolveLimits({ maxDepth: Number.NaN })).toThrow(KauditError);
    expect(() => resolveLimits({ maxWidth: -1 })).toThrow(/maxWidth must be a number >= 0/);
  });
});

describe('sawRedactionTrigger', () => {
  const base = (): Record<string, unknown> => ({
    kind: 'Event',
    verb: 'get',
    auditID: '8f1c2d3e-0000-4000-8000-000000000001',
    requestURI: '/api/v1/namespaces/kube-system/configmaps/a-rather-long-name',
    user: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    requestReceivedTimestamp: '2026-11-26T20:59:38.123456Z',
  });
  const seen = (extra: Record<string, unknown>): boolean => {
    expect(sanitize({ ...base(), ...extra }, DEFAULT_LIMITS)).toBeUndefined();
    return sawRedactionTrigger();
  };

  it('is false for an event holding nothing the redaction walk acts on', () => {
    expect(seen({})).toBe(false);
    expect(
      seen({ requestObject: { kind: 'ConfigMap', data: { a: 'b' }, spec: { containers: [{ name: 'c' }] } } }),
    ).toBe(false);
  });

  it('is true for each thing the redaction walk acts on, at any depth', () => {
    expect(seen({ requestObject: { items: [{ kind: 'Secret' }] } })).toBe(true);
    for (const kind of ['SecretList', 'TokenRequest', 'TokenReview'])
      expect(seen({ responseObject: { kind } })).toBe(true);
    expect(seen({ requestObject: { spec: { env: [] } } })).toBe(true);
    expect(seen({ annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } })).toBe(true);
    expect(seen({ userAgent: `curl ${FAKE_JWT}` })).toBe(true);
    expect(seen({ requestObject: { list: ['x', FAKE_TOKENS.githubPat!] } })).toBe(true);
    expect(seen({ requestObject: { [`key ${FAKE_TOKENS.awsAccessKeyId!}`]: 1 } })).toBe(true);
    // Below the top level a timestamp key is an ordinary string.
    expect(seen({ requestObject: { timestamp: FAKE_JWT } })).toBe(true);
  });

  it("leaves the event's own timestamps to the event check, which refuses any that does not parse", () => {
    expect(seen({ stageTimestamp: FAKE_JWT })).toBe(false);
  });

  it('is true after a refused value, which no walk vouched for', () => {
    expect(sanitize({ ...base(), deep: nestedObjects(80) }, DEFAULT_LIMITS)).toMatch(/nesting/);
    expect(sawRedactionTrigger()).toBe(true);
  });
});
