import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { FAKE_BEARER_CREDENTIAL, FAKE_TOKENS, FAKE_WEBHOOK_PATH, FAKE_WEBHOOK_URL } from './fake-credentials.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';

/*
 * Random bodies with secrets planted in every place the redactor knows about, at random depths
 * inside random filler. Two properties: no planted secret survives anywhere in the event, and
 * everything that was not a secret (every key path, every other value) is exactly as it was.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
type Host = Record<string, unknown>;

// Filler never uses the words the redactor reacts to (data, env, value, token, kind, metadata...)
// and its strings are lower-case prose, so anything redacted can only be a planted secret.
const fillerKey = fc.constantFrom('alpha', 'beta', 'gamma', 'spec', 'status', 'items', 'config', 'name', 'labels', 'x');
const fillerString = fc.string({ unit: fc.constantFrom(...'abcxyz -./:0123'), maxLength: 30 });
const leaf: fc.Arbitrary<Json> = fc.oneof(fillerString, fc.integer(), fc.boolean(), fc.constant(null));
const { obj: fillerObject } = fc.letrec<{ node: Json; obj: Obj; arr: Json[] }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('obj'), tie('arr')),
  obj: fc.dictionary(fillerKey, tie('node'), { maxKeys: 4 }),
  arr: fc.array(tie('node'), { maxLength: 3 }),
}));

/** A secret value no pattern could guess: unique per plant, upper-case marks it apart from filler. */
const secretFor = (i: number, salt: string): string => `SECRET_${i}_${salt}_`;

// Token-shaped credentials: the text to plant and the part that must disappear.
const TOKEN_PLANTS: { text: string; secret: string }[] = [
  ...Object.values(FAKE_TOKENS).map((t) => ({ text: t, secret: t })),
  { text: FAKE_WEBHOOK_URL, secret: FAKE_WEBHOOK_PATH },
  { text: `Bearer ${FAKE_BEARER_CREDENTIAL}`, secret: FAKE_BEARER_CREDENTIAL },
];

/** Places that need no context: each builds a value holding `s`, recognisable wherever it sits. */
const FREE_PLANTS: ((s: string) => unknown)[] = [
  (s) => ({ kind: 'Secret', metadata: { name: 'n' }, data: { password: s }, stringData: { other: s } }),
  (s) => ({ kind: 'SecretList', items: [{ metadata: { name: 'n' }, data: { password: s } }] }),
  (s) => ({
    kind: 'List',
    items: [
      { kind: 'ConfigMap', alpha: 'kept' },
      { kind: 'Secret', data: { k: s } },
    ],
  }),
  (s) => ({
    metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify({ data: { password: s } }), other: 'kept' } },
  }),
  (s) => ({ kind: 'TokenRequest', status: { token: s, expirationTimestamp: '2024-01-01T00:00:00Z' } }),
  (s) => ({ kind: 'TokenReview', spec: { token: s, audiences: ['api'] } }),
  (s) => ({
    containers: [
      {
        name: 'app',
        env: [
          { name: 'PASSWORD', value: s },
          { name: 'REF', valueFrom: { secretKeyRef: { name: 'x', key: 'y' } } },
        ],
      },
    ],
  }),
  (s) => ({
    jobTemplate: { spec: { template: { spec: { initContainers: [{ name: 'i', env: [{ name: 'P', value: s }] }] } } } },
  }),
];

/** Scenarios where only objectRef says what the body is; one per event. */
type Scenario = { objectRef: Host; requestObject?: (s: string) => unknown; responseObject?: (s: string) => unknown };
const SCENARIOS: Scenario[] = [
  { objectRef: { resource: 'widgets' } },
  { objectRef: { resource: 'secrets' }, requestObject: (s) => ({ data: { password: s }, stringData: { token: s } }) },
  { objectRef: { resource: 'secrets' }, responseObject: (s) => ({ items: [{ data: { a: s } }, { data: { b: s } }] }) },
  {
    objectRef: { resource: 'secrets' },
    requestObject: (s) => [
      { op: 'replace', path: '/data/password', value: s },
      { op: 'add', path: '/stringData', value: { token: s } },
      { op: 'remove', path: '/data/old' },
    ],
  },
  {
    objectRef: { resource: 'deployments', apiGroup: 'apps' },
    requestObject: (s) => [
      { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: s },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'P', value: s } },
      { op: 'add', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', value: s },
    ],
  },
  {
    objectRef: { resource: 'serviceaccounts', subresource: 'token' },
    responseObject: (s) => ({ status: { token: s } }),
  },
  { objectRef: { resource: 'tokenreviews' }, requestObject: (s) => ({ spec: { token: s } }) },
];

/** Every object of a tree, so a plant can go under any of them. */
function objectsOf(root: unknown): Host[] {
  const found: Host[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node)) found.push(node as Host);
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child);
  }
  return found;
}

/** Every leaf of a tree by its key path. */
function leavesOf(root: unknown, prefix = '$', out = new Map<string, unknown>()): Map<string, unknown> {
  if (root === null || typeof root !== 'object') {
    out.set(prefix, root);
    return out;
  }
  for (const [k, v] of Object.entries(root)) leavesOf(v, `${prefix}/${k}`, out);
  if (Object.keys(root).length === 0) out.set(prefix, Array.isArray(root) ? '[]' : '{}');
  return out;
}

const plantArb = fc.record({
  place: fc.nat(), // which object of the bodies
  kind: fc.nat({ max: FREE_PLANTS.length + TOKEN_PLANTS.length - 1 }),
  tokenSpot: fc.constantFrom('body', 'requestURI', 'userAgent', 'message', 'annotation', 'extra'),
});

const eventArb = fc.record({
  scenario: fc.nat({ max: SCENARIOS.length - 1 }),
  request: fillerObject,
  response: fillerObject,
  plants: fc.array(plantArb, { minLength: 1, maxLength: 6 }),
  salt: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 6, maxLength: 12 }),
});

type EventInput = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function build(input: EventInput): { event: AuditEvent; secrets: string[] } {
  const secrets: string[] = [];
  const scenario = SCENARIOS[input.scenario]!;
  const request: unknown = scenario.requestObject ? null : structuredClone(input.request);
  const response: unknown = scenario.responseObject ? null : structuredClone(input.response);
  const event: AuditEvent = {
    kind: 'Event',
    level: 'RequestResponse',
    stage: 'ResponseComplete',
    verb: 'create',
    requestURI: '/apis/example.com/v1/namespaces/default/widgets?limit=10',
    userAgent: 'kubectl/v1.29.1 (linux/amd64)',
    user: { username: 'alice', extra: { note: ['hello'] } },
    objectRef: structuredClone(scenario.objectRef),
    responseStatus: { code: 200, message: 'ok' },
    annotations: { 'authorization.k8s.io/decision': 'allow' },
    requestObject: request,
    responseObject: response,
  };
  if (scenario.requestObject) {
    const s = secretFor(secrets.length, input.salt);
    secrets.push(s);
    event.requestObject = scenario.requestObject(s);
  }
  if (scenario.responseObject) {
    const s = secretFor(secrets.length, input.salt);
    secrets.push(s);
    event.responseObject = scenario.responseObject(s);
  }
  // Free plants go into whichever bodies are filler (a JSON patch body has no room for them).
  const hosts = [...objectsOf(request), ...objectsOf(response)];
  input.plants.forEach((plant, i) => {
    if (plant.kind < FREE_PLANTS.length) {
      if (hosts.length === 0) return;
      const s = secretFor(secrets.length, input.salt);
      secrets.push(s);
      hosts[plant.place % hosts.length]![`planted${i}`] = FREE_PLANTS[plant.kind]!(s);
      return;
    }
    const token = TOKEN_PLANTS[plant.kind - FREE_PLANTS.length]!;
    secrets.push(token.secret);
    const text = `before ${token.text} after`;
    switch (plant.tokenSpot) {
      case 'requestURI':
        event.requestURI += `&token=${token.text}`;
        break;
      case 'userAgent':
        event.userAgent += ` ${text}`;
        break;
      case 'message':
        event.responseStatus!.message += ` ${text}`;
        break;
      case 'annotation':
        event.annotations![`example.com/note${i}`] = text;
        break;
      case 'extra':
        event.user!.extra!.note!.push(text);
        break;
      default:
        if (hosts.length > 0) hosts[plant.place % hosts.length]![`planted${i}`] = [text];
        else event.userAgent += ` ${text}`;
    }
  });
  return { event, secrets };
}

describe('redaction property: planted secrets never survive', () => {
  const redact = createRedactor();

  it('removes every planted secret and changes nothing else', () => {
    fc.assert(
      fc.property(eventArb, (input) => {
        const { event, secrets } = build(input);
        const before = leavesOf(structuredClone(event));
        const count = redact(event);
        const json = JSON.stringify(event);
        for (const s of secrets) expect(json).not.toContain(s);
        expect(count).toBeGreaterThanOrEqual(new Set(secrets).size > 0 ? 1 : 0);
        // Same key paths, and every value that held no secret is untouched.
        const after = leavesOf(event);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        for (const [path, value] of before) {
          const heldSecret = typeof value === 'string' && secrets.some((s) => value.includes(s));
          if (!heldSecret) expect(after.get(path), path).toEqual(value);
        }
      }),
      { numRuns: 400 },
    );
  });
});
