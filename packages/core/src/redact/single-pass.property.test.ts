import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, decodeBodyEach } from '../decode/decode-body.js';
import { walkFlags, type DecodeResult } from '../decode/decode-result.js';
import { readEvents } from '../decode/read-events.js';
import { Readable } from 'node:stream';
import type { Limits } from '../decode/sanitize.js';
import { auditFixtureFiles, fixture, skipWithoutFixtures } from '../testing/fixtures.js';
import { createRedaction } from './create-redactor.js';
import { FAKE_BEARER_CREDENTIAL, FAKE_TOKENS, FAKE_WEBHOOK_URL } from './fake-credentials.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import type { RedactionOptions } from './redaction-options.js';
import { referenceRedactor } from './test-reference-redaction.js';
import { mayHoldToken } from './token-patterns.js';
import { parseTimestamp } from '../event/parse-timestamp.js';

/*
 * The pipeline decodes and redacts in one pass (`decodeBodyEach` + `afterDecode`): the generic redaction walk
 * runs only on events where the limits walk met something it reacts to. These properties show the
 * result is exactly the old one (decode, then the old redactor of test-reference-redaction.ts over
 * every event): same events, same rejections, same number of replaced values, on generated events
 * rich in everything redaction looks at, and on every real fixture event.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TOKENS = [...Object.values(FAKE_TOKENS), FAKE_WEBHOOK_URL, `Bearer ${FAKE_BEARER_CREDENTIAL}`];
const token = fc.constantFrom(...TOKENS);
// Keys redaction reacts to, keys sanitize removes, and filler. Each trigger is rare enough that many
// events hold none or just one, so an event where only one of them matters is common.
const filler = fc.constantFrom('alpha', 'beta', 'gamma', 'x', 'labels', 'config');
const key = fc.oneof(
  { weight: 3, arbitrary: filler },
  fc.constantFrom(
    'data',
    'stringData',
    'env',
    'value',
    'name',
    'kind',
    'items',
    'status',
    'spec',
    'token',
    'metadata',
    'annotations',
    'command',
    'path',
    'op',
    LAST_APPLIED_ANNOTATION,
    '__proto__',
    'constructor',
    'prototype',
    'requestReceivedTimestamp',
    `x-${FAKE_TOKENS.githubPat}`,
    'a-rather-long-but-harmless-key',
  ),
);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 40 }) },
  fc.constantFrom(
    'Secret',
    'SecretList',
    'TokenRequest',
    'TokenReview',
    'ConfigMap',
    '[REDACTED]',
    '/spec/containers/0/env/0/value',
    '/data/password',
    '/data',
    '',
    '/',
    '2026-11-26T20:59:38.123456Z',
    'system:serviceaccount:kube-system:replicaset-controller',
  ),
  fc.constantFrom(...TOKENS).map((t) => `prefix ${t} suffix`),
  fc.constantFrom(...TOKENS),
);
const leaf: fc.Arbitrary<Json> = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null));
const { node: body } = fc.letrec<{ node: Json; obj: Json; arr: Json; kinded: Json; container: Json }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('obj'),
    tie('arr'),
    tie('kinded'),
    tie('container'),
  ),
  obj: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  arr: fc.array(tie('node'), { maxLength: 4 }),
  // A container: its env values are redacted wherever it sits.
  container: fc.record({
    name: filler,
    env: fc.array(fc.record({ name: filler, value: fc.oneof(leaf, tie('node')) }, { requiredKeys: ['name'] }), {
      maxLength: 2,
    }),
  }),
  // Objects that say what they are: the walk redacts them by `kind`.
  kinded: fc.record(
    {
      kind: fc.constantFrom('Secret', 'SecretList', 'TokenRequest', 'TokenReview', 'Pod'),
      data: fc.oneof(fc.dictionary(filler, fc.oneof(leaf, tie('node')), { maxKeys: 2 }), leaf),
      stringData: fc.dictionary(filler, leaf, { maxKeys: 2 }),
      items: fc.array(fc.record({ data: fc.dictionary(filler, leaf, { maxKeys: 2 }) }), { maxLength: 2 }),
      status: fc.record({ token: leaf }),
      spec: fc.oneof(fc.record({ token: leaf }), tie('node')),
    },
    { requiredKeys: ['kind'] },
  ),
}));
const typed = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null | number | undefined> =>
  fc.oneof({ weight: 6, arbitrary: arb }, fc.constant(null), fc.constant(7), fc.constant(undefined));

const event = fc.record(
  {
    apiVersion: fc.constant('audit.k8s.io/v1'),
    kind: fc.constant('Event'),
    level: fc.constantFrom('Metadata', 'Request', 'RequestResponse'),
    verb: fc.constantFrom('get', 'create', 'patch', 'update', 'delete'),
    requestURI: fc.oneof(
      { weight: 4, arbitrary: fc.constant('/api/v1/namespaces/default/pods') },
      fc.constant('/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo+hunter2'),
      fc.constant('/api/v1/namespaces/default/secrets/db'),
      fc.constantFrom(...TOKENS).map((t) => `/apis/x?token=${encodeURIComponent(t)}`),
    ),
    stageTimestamp: typed(fc.constantFrom('2026-11-26T20:59:38.123456Z', 'not a time')),
    // The limits walk trusts the check for these: a token there must get the event refused.
    requestReceivedTimestamp: typed(
      fc.oneof(
        fc.constantFrom('2026-11-26T20:59:38.123456Z', '2026-11-26T20:59:38+05X30', '2026-11-26 20:59:38.1-0530'),
        token,
        token.map((t) => `2026-11-26T20:59:38Z ${t}`),
      ),
    ),
    timestamp: typed(fc.oneof(fc.constant('2026-11-26T20:59:38Z'), token)),
    user: typed(
      fc.record({ username: typed(text), extra: fc.dictionary(key, fc.array(text, { maxLength: 2 }), { maxKeys: 2 }) }),
    ),
    objectRef: typed(
      fc.record(
        {
          resource: fc.constantFrom('secrets', 'serviceaccounts', 'tokenreviews', 'pods', 'configmaps'),
          subresource: fc.constantFrom('token', 'exec', 'status'),
          name: text,
        },
        { requiredKeys: ['resource'] },
      ),
    ),
    annotations: typed(fc.dictionary(key, fc.oneof(text, body), { maxKeys: 3 })),
    requestObject: fc.oneof(
      body,
      fc.array(fc.record({ op: fc.constantFrom('add', 'replace'), path: text, value: body }), { maxLength: 3 }),
    ),
    responseObject: body,
  },
  { requiredKeys: ['verb'] },
);

// Events that are clean but for ONE planted thing redaction reacts to, at a random place: the case
// where skipping the walk on a wrong "nothing here" would show.
const cleanText = fc.string({ unit: fc.constantFrom(...'abcxyz -./:0123'), maxLength: 30 });
const cleanLeaf: fc.Arbitrary<Json> = fc.oneof(cleanText, fc.integer(), fc.boolean(), fc.constant(null));
const { node: cleanBody } = fc.letrec<{ node: Json; obj: Json; arr: Json }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, cleanLeaf, tie('obj'), tie('arr')),
  obj: fc.dictionary(filler, tie('node'), { maxKeys: 4 }),
  arr: fc.array(tie('node'), { maxLength: 3 }),
}));
const plant: fc.Arbitrary<Json> = fc.oneof(
  token,
  token.map((t) => `text before ${t}`),
  token.map((t) => [t]),
  token.map((t) => ({ [`k ${t}`]: 'v' })),
  fc.oneof(cleanText, cleanBody).map((v) => ({ [LAST_APPLIED_ANNOTATION]: v })),
  cleanLeaf.map((v) => ({ env: [{ name: 'A', value: v }] })),
  fc.tuple(fc.constantFrom('Secret', 'SecretList', 'TokenRequest', 'TokenReview'), cleanText).map(([kind, v]) => ({
    kind,
    data: { k: v },
    items: [{ data: { k: v } }],
    status: { token: v },
    spec: { token: v },
  })),
);
const oneTrigger = fc
  .tuple(
    fc.constantFrom('requestObject', 'responseObject', 'annotations', 'extra'),
    fc.array(filler, { minLength: 1, maxLength: 4 }),
    plant,
    cleanBody,
    cleanBody,
  )
  .map(([where, path, planted, req, res]) => {
    let v: Json = planted;
    for (const k of path.slice(1).reverse()) v = { [k]: v };
    const e: Record<string, Json> = { kind: 'Event', verb: 'update', requestURI: '/api/v1/namespaces/a/pods/b' };
    e.objectRef = { resource: 'pods', namespace: 'a', name: 'b' };
    e.requestObject = req;
    e.responseObject = res;
    if (where === 'annotations')
      e.annotations = {
        [path[0]!]: typeof planted === 'string' ? planted : 'x',
        ...(typeof planted === 'string' ? {} : (planted as Record<string, Json>)),
      };
    else if (where === 'extra') e[path[0]!] = v;
    else e[where] = { [path[0]!]: v, spec: req };
    return e;
  });

const OPTIONS: RedactionOptions[] = [
  {},
  { execCommand: true },
  { paths: ['requestObject.spec.password', 'responseObject.*.token'] },
  { marker: 'Secret' },
  { marker: `${FAKE_TOKENS.awsAccessKeyId}` },
  { enabled: false },
];

/** The old way: decode, then the old redactor over every accepted event. */
function reference(body: string, options: RedactionOptions, limits: Partial<Limits> | undefined) {
  const result = decodeBody(body, limits ? { limits } : {});
  const redact = referenceRedactor(options);
  let redacted = 0;
  for (const e of result.events) redacted += redact(e);
  return { events: result.events, rejected: result.rejected, redacted };
}

function singlePass(body: string, options: RedactionOptions, limits: Partial<Limits> | undefined) {
  const { afterDecode } = createRedaction(options);
  const events: unknown[] = [];
  let redacted = 0;
  const result = decodeBodyEach(body, limits ? { limits } : {}, (event, mayNeedWalk) => {
    redacted += afterDecode(event, mayNeedWalk);
    events.push(event);
  });
  expect(result.accepted).toBe(events.length);
  return { events, rejected: result.rejected, redacted };
}

const asLines = (events: unknown[]): string => events.map((e) => JSON.stringify(e)).join('\n');
const sameAsReference = (body: string, options: RedactionOptions, limits?: Partial<Limits>): void => {
  const expected = reference(body, options, limits);
  const actual = singlePass(body, options, limits);
  expect(actual.rejected).toEqual(expected.rejected);
  expect(actual.events).toEqual(expected.events);
  expect(actual.redacted).toBe(expected.redacted);
};

/** A replay's way: readEvents batches, each event redacted with the flag its batch carries. */
async function fromReadEvents(body: string, options: RedactionOptions, limits: Partial<Limits> | undefined) {
  const { afterDecode } = createRedaction(options);
  const events: unknown[] = [];
  const rejected: unknown[] = [];
  let redacted = 0;
  const input = Readable.from([Buffer.from(body)]);
  for await (const batch of readEvents(input, { batchLines: 2, ...(limits ? { limits } : {}) })) {
    const flags = walkFlags(batch);
    expect(flags).toBeDefined();
    batch.events.forEach((event, i) => {
      redacted += afterDecode(event, flags![i]!);
      events.push(event);
    });
    rejected.push(...batch.rejected.map(({ source: _source, ...r }) => r));
  }
  return { events, rejected, redacted };
}

describe('readEvents batches (kaudit replay)', () => {
  it('carry the decoder flags, and the one pass gives exactly the old result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(event, oneTrigger), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...OPTIONS),
        async (events, options) => {
          const body = asLines(events);
          const expected = reference(body, options, undefined);
          const actual = await fromReadEvents(body, options, undefined);
          expect(actual.events).toEqual(expected.events);
          expect(actual.redacted).toBe(expected.redacted);
          expect(actual.rejected.length).toBe(expected.rejected.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lose their flags when the events no longer line up, so pushDecoded walks every event', () => {
    const result = decodeBody(asLines([{ kind: 'Event' }]));
    expect(walkFlags(result)).toBeUndefined();
  });
});

describe('decode and redaction in one pass', () => {
  it('gives exactly the old result on generated events, as JSON lines and as an EventList', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 4 }), fc.constantFrom(...OPTIONS), (events, options) => {
        sameAsReference(asLines(events), options);
        sameAsReference(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events }), options);
      }),
      { numRuns: 400 },
    );
  });

  it('gives exactly the old result when limits drop bodies or refuse events', () => {
    const limits = fc.record({
      maxDepth: fc.integer({ min: 1, max: 6 }),
      maxWidth: fc.integer({ min: 1, max: 8 }),
      maxStringLength: fc.integer({ min: 10, max: 200 }),
      maxTotalSize: fc.integer({ min: 100, max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 4 }), fc.constantFrom(...OPTIONS), limits, (e, o, l) =>
        sameAsReference(asLines(e), o, l),
      ),
      { numRuns: 400 },
    );
  });

  it('gives exactly the old result on clean events with one planted secret, limits or not', () => {
    const limits = fc.option(
      fc.record({ maxStringLength: fc.integer({ min: 10, max: 120 }), maxDepth: fc.integer({ min: 2, max: 6 }) }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.array(oneTrigger, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...OPTIONS),
        limits,
        (e, o, l) => sameAsReference(asLines(e), o, l),
      ),
      { numRuns: 600 },
    );
  });

  it('never finds a token in a string that parses as a time (the walk leaves event timestamps to the check)', () => {
    const pad = (max: number, min = 0): fc.Arbitrary<string> =>
      fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
    const stamp = fc
      .tuple(
        fc.integer({ min: 1000, max: 9999 }),
        pad(12, 1),
        pad(28, 1),
        fc.constantFrom('T', 't', ' '),
        pad(23),
        pad(59),
        pad(60),
        fc.constantFrom('', '.1', '.123456789'),
        fc.oneof(
          fc.constantFrom('', 'Z', 'z'),
          fc.tuple(fc.constantFrom('+', '-'), pad(99), fc.string({ maxLength: 1 }), pad(99)).map((p) => p.join('')),
        ),
      )
      .map(([y, mo, d, sep, h, mi, sec, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${sec}${frac}${zone}`);
    // The generator mostly yields times that parse, so the property is not vacuous.
    expect(fc.sample(stamp, 200).filter((s) => !Number.isNaN(parseTimestamp(s))).length).toBeGreaterThan(150);
    fc.assert(
      fc.property(stamp, token, fc.nat(), fc.boolean(), (s, t, at, plant) => {
        const i = at % (s.length + 1);
        const text = plant ? s.slice(0, i) + t + s.slice(i) : s;
        expect(Number.isNaN(parseTimestamp(text)) || !mayHoldToken(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('still redacts every planted token, in values and keys', () => {
    for (const token of TOKENS) {
      const line = JSON.stringify({
        kind: 'Event',
        verb: 'get',
        requestURI: '/api',
        annotations: { note: `see ${token}` },
        requestObject: { spec: { [`k ${token}`]: 1, list: ['x', token] } },
      });
      sameAsReference(line, {});
      const { events, redacted } = singlePass(line, {}, undefined);
      expect(redacted).toBeGreaterThan(0);
      const out = JSON.stringify(events);
      expect(out).toContain('[REDACTED]');
      expect(out).not.toContain(token.slice(-12));
    }
  });

  const skip = skipWithoutFixtures('single-pass redaction on fixtures');
  it.skipIf(skip).each(skip ? [] : auditFixtureFiles())('gives exactly the old result on %s', (file) => {
    const raw = readFileSync(fixture(file));
    const content = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    // Whatever the fixture's shape (JSON lines, EventList, records wrapper), as pushBody gets it.
    const result: DecodeResult = decodeBody(content);
    expect(result.events.length + result.rejected.length).toBeGreaterThan(0);
    for (const options of [{}, { execCommand: true }]) sameAsReference(content, options);
  });
});
