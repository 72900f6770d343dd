/**
 * The compiled rules against json-rules-engine itself, rule by rule and event by event:
 * (a) a realistic rule set over every real audit event of the fixtures, (b) generated condition
 * trees over generated and mutated events. They must agree on every (rule, event) pair: the same
 * match, and an error exactly when json-rules-engine rejects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { DERIVED_FACTS } from '../event/derived-facts.js';
import { auditFixtureFiles, fixtureEvents, skipWithoutFixtures } from '../testing/fixtures.js';
import { compileRuleSet, ruleSetProblems, type CompiledRule, type CompiledRuleSet } from './compile-rule-set.js';
import { DECORATORS, OPERATORS } from './operators.js';
import { createReferenceEngine } from './reference-engine.js';
import type { Condition, RuleSetSpec, RuleSpec, TopLevelCondition } from './rule-file.js';

const SKIP = skipWithoutFixtures('rules differential');

/** Every event of the fixtures, as kaudit decodes them; PerfSPEC (16,563 events) is subsampled to about `perfspecTarget`. */
function loadFixtureEvents(perfspecTarget: number): { source: string; event: AuditEvent }[] {
  return auditFixtureFiles().flatMap((source) => {
    let events = fixtureEvents(source);
    if (source.endsWith('.gz')) {
      const step = Math.max(1, Math.ceil(events.length / perfspecTarget));
      events = events.filter((_, i) => i % step === 0);
    }
    return events.map((event) => ({ source, event }));
  });
}

function rule(name: string, conditions: TopLevelCondition, extra: Partial<RuleSpec> = {}): RuleSpec {
  return {
    name,
    title: name,
    severity: 'medium',
    tags: [],
    enabled: true,
    conditions,
    source: { file: 'differential.json', index: 0 },
    ...extra,
  };
}

const eq = (fact: string, value: unknown, extra: object = {}): Condition =>
  ({ fact, operator: 'equal', value, ...extra }) as Condition;
const leaf = (fact: string, operator: string, value: unknown, extra: object = {}): Condition =>
  ({ fact, operator, value, ...extra }) as Condition;

/** A realistic rule set touching every operator, decorator, fact kind and condition form. */
function realisticRules(): RuleSetSpec {
  const lists: Record<string, unknown[]> = {
    'system-users': ['system:kube-scheduler', 'system:kube-controller-manager', 'system:apiserver'],
    'read-verbs': ['get', 'list', 'watch'],
    'write-verbs': ['create', 'update', 'patch', 'delete', 'deletecollection'],
    'private-cidrs': ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', '::1', '127.0.0.0/8'],
    'shell-patterns': ['^(/bin/|/usr/bin/)?(ba|z|da)?sh$', '\\b(curl|wget|nc)\\b'],
    'admin-groups': ['system:masters'],
    'system-namespaces': ['kube-system', 'kube-public'],
    'sensitive-mounts': ['/proc', '/var/run/docker.sock', '/', '/etc', '/root', '/var/lib/kubelet'],
    'tooling-agents': ['kubectl/', 'helm/'],
    'credential-globs': ['*password*', '*secret*', '*token*', 'aws_*'],
  };
  const conditions: Record<string, Condition> = {
    'reads-secrets': { all: [eq('objectRef.resource', 'secrets'), leaf('verb', 'in', { fact: 'read-verbs' })] },
    'is-exec': { any: [eq('objectRef.subresource', 'exec'), eq('objectRef.subresource', 'attach')] },
    writes: { all: [leaf('verb', 'in', { fact: 'write-verbs' })] },
    'in-system-namespace': { any: [leaf('objectRef.namespace', 'in', { fact: 'system-namespaces' })] },
    'creates-pod': {
      all: [eq('objectRef.resource', 'pods'), eq('verb', 'create'), leaf('objectRef.subresource', 'exists', false)],
    },
    'privileged-container': {
      any: [
        leaf('requestObject', 'contains', true, { path: '$.spec.containers[*].securityContext.privileged' }),
        leaf('requestObject', 'contains', true, { path: '$.spec.initContainers[*].securityContext.privileged' }),
      ],
    },
    'human-user': { not: { any: [eq('isServiceAccount', true), leaf('user.username', 'startsWith', 'system:')] } },
    'privileged-pod': { all: [{ condition: 'creates-pod' }, { condition: 'privileged-container' }] },
  };
  const rules: RuleSpec[] = [
    rule('secret-read-by-human', {
      all: [
        { condition: 'reads-secrets' },
        { condition: 'human-user' },
        leaf('user.username', 'notIn', { fact: 'system-users' }),
      ],
    }),
    rule('secret-read', { condition: 'reads-secrets' }),
    rule('exec-into-pod', { all: [{ condition: 'is-exec' }, leaf('verb', 'in', ['create', 'get'])] }),
    rule('exec-shell', { all: [{ condition: 'is-exec' }, leaf('execCommand', 'matches', { fact: 'shell-patterns' })] }),
    rule('exec-container-named', { all: [{ condition: 'is-exec' }, leaf('execContainer', 'exists', true)] }),
    rule('anonymous-request', { all: [eq('isAnonymous', true)] }),
    rule('anonymous-allowed', { all: [eq('isAnonymous', true), eq('decision', 'allow')] }),
    rule('cluster-admin-binding', {
      all: [
        eq('objectRef.resource', 'clusterrolebindings'),
        eq('verb', 'create'),
        eq('requestObject', 'cluster-admin', { path: '$.roleRef.name' }),
      ],
    }),
    rule('privileged-pod', { condition: 'privileged-pod' }),
    rule('hostnetwork-pod', {
      all: [{ condition: 'creates-pod' }, eq('requestObject', true, { path: '$.spec.hostNetwork' })],
    }),
    rule('sensitive-mount', {
      all: [
        { condition: 'creates-pod' },
        leaf('requestObject', 'someFact:in', { fact: 'sensitive-mounts' }, { path: '$..hostPath.path' }),
      ],
    }),
    rule('sensitive-mount-glob', {
      all: [
        eq('objectRef.resource', 'pods'),
        leaf('requestObject', 'someFact:glob', ['/var/run/*.sock', '/proc*', '/etc*'], {
          path: '$.spec.volumes[*].hostPath.path',
        }),
      ],
    }),
    rule('nodeport-service', {
      all: [
        eq('objectRef.resource', 'services'),
        eq('verb', 'create'),
        eq('requestObject', 'NodePort', { path: '$.spec.type' }),
      ],
    }),
    rule('pod-in-system-namespace', { all: [{ condition: 'creates-pod' }, { condition: 'in-system-namespace' }] }),
    rule('sa-in-system-namespace', {
      all: [eq('objectRef.resource', 'serviceaccounts'), eq('verb', 'create'), { condition: 'in-system-namespace' }],
    }),
    rule('forbidden', { all: [eq('responseStatus.code', 403)] }),
    rule('client-errors', {
      all: [leaf('responseStatus.code', 'greaterThanInclusive', 400), leaf('responseStatus.code', 'lessThan', 500)],
    }),
    rule('errors-beyond-not-found', { all: [leaf('responseStatus.code', 'greaterThan', 404)] }),
    rule('upgraded-connection', {
      all: [leaf('responseStatus.code', 'exists', true), leaf('responseStatus.code', 'lessThanInclusive', 101)],
    }),
    rule('public-source', {
      all: [leaf('sourceIP', 'exists', true), leaf('sourceIP', 'not:inCIDR', { fact: 'private-cidrs' })],
    }),
    rule('private-read', {
      all: [
        leaf('sourceIP', 'inCIDR', ['10.0.0.0/8', '::ffff:192.168.0.0/112', '::1']),
        leaf('verb', 'in', { fact: 'read-verbs' }),
      ],
    }),
    rule('tooling-agent', { all: [leaf('userAgent', 'startsWith', { fact: 'tooling-agents' })] }),
    rule('suspicious-agent', {
      any: [
        leaf('userAgent', 'matches', '^(curl|wget|python-requests|Go-http-client)/'),
        leaf('userAgent', 'endsWith', ['/leader-election', 'HealthChecker/2.0']),
      ],
    }),
    rule('sa-cross-namespace', {
      all: [
        eq('isServiceAccount', true),
        leaf('objectRef.namespace', 'exists', true),
        leaf('serviceAccountNamespace', 'notEqual', { fact: 'objectRef.namespace' }),
      ],
    }),
    rule('impersonation', {
      all: [
        leaf('impersonatedUser.username', 'exists', true),
        leaf('effectiveUser', 'notEqual', { fact: 'user.username' }),
      ],
    }),
    rule('masters-group', { all: [leaf('user.groups', 'contains', 'system:masters')] }),
    rule('admin-writes', {
      all: [
        leaf('user.groups', 'intersects', { fact: 'admin-groups' }),
        leaf('verb', 'intersects', ['create', 'delete', 'deletecollection']),
      ],
    }),
    rule('system-groups-only', {
      all: [
        leaf('user.groups', 'everyFact:startsWith', 'system:'),
        leaf('user.groups', 'doesNotContain', 'system:masters'),
      ],
    }),
    rule('config-or-secret-write', {
      all: [leaf('objectRef.resource', 'someValue:equal', ['secrets', 'configmaps']), { condition: 'writes' }],
    }),
    rule('anonymous-not-probing', {
      all: [
        leaf('requestPath', 'everyValue:not:startsWith', ['/healthz', '/livez', '/readyz', '/metrics']),
        eq('isAnonymous', true),
      ],
    }),
    // Throws (user.groups.indexOf) on deletes without groups; the higher-priority verb test runs first
    // and spares every other event.
    rule('masters-delete', {
      all: [eq('verb', 'delete', { priority: 2 }), leaf('user.groups', 'swap:in', 'system:masters')],
    }),
    rule('namespace-removal', {
      all: [leaf('verb', 'swap:contains', ['delete', 'deletecollection']), eq('objectRef.resource', 'namespaces')],
    }),
    rule('secret-write-by-human', {
      all: [
        eq('objectRef.resource', 'secrets'),
        { condition: 'writes' },
        { not: { any: [leaf('user.username', 'in', { fact: 'system-users' }), eq('isServiceAccount', true)] } },
      ],
    }),
    rule('decision-forbid', { all: [eq('decision', 'forbid')] }),
    rule('secrets-uri', { all: [leaf('requestPath', 'glob', '/api/v1/namespaces/*/secrets*')] }),
    rule('configmap-credentials', {
      all: [
        eq('objectRef.resource', 'configmaps'),
        leaf('verb', 'in', ['create', 'update', 'patch']),
        {
          any: [
            leaf('requestObject', 'someFact:matches', ['aws_secret_access_key', 'password\\s*='], { path: '$.data.*' }),
            leaf('requestObject', 'someFact:glob', { fact: 'credential-globs' }, { path: '$.data.*~' }),
          ],
        },
      ],
    }),
    rule('old-events', { all: [leaf('requestReceivedTimestamp', 'lessThan', '2019-01-01')] }),
    rule('deletecollection', { all: [eq('verb', 'deletecollection')] }),
    rule('rbac-changes', {
      all: [
        eq('objectRef.apiGroup', 'rbac.authorization.k8s.io'),
        { condition: 'writes' },
        leaf('objectRef.resource', 'someValue:startsWith', ['cluster', 'role']),
      ],
    }),
    rule('reason-names-binding', {
      all: [leaf('annotations.authorization\\.k8s\\.io/reason', 'matches', 'ClusterRoleBinding')],
    }),
    rule('logs-or-proxy', { all: [leaf('objectRef.subresource', 'in', ['proxy', 'log'])] }),
    rule('lease-by-human', { all: [eq('objectRef.resource', 'leases'), { condition: 'human-user' }] }),
    rule('prioritized-any', {
      any: [
        eq('verb', 'watch', { priority: 1 }),
        eq('responseStatus.code', 403, { priority: 3 }),
        { all: [eq('isAnonymous', true), eq('verb', 'create')], priority: 2 },
      ],
    }),
    rule('nested', {
      all: [
        { any: [{ not: { condition: 'writes' } }, { all: [eq('verb', 'patch'), eq('objectRef.resource', 'nodes')] }] },
        leaf('objectRef.resource', 'in', ['nodes', 'pods', 'leases']),
        { any: [] },
      ],
    }),
    rule('scaled-deployment', {
      all: [
        eq('objectRef.resource', 'deployments'),
        leaf('requestObject', 'greaterThan', 1, { path: '$.spec.replicas' }),
      ],
    }),
    rule('privileged-by-filter', {
      all: [
        leaf('requestObject', 'exists', true, {
          path: '$.spec.containers[?(@.securityContext && @.securityContext.privileged == true)].name',
        }),
      ],
    }),
    rule('never-enabled', { all: [] }, { enabled: false }),
    rule('not-secret-read', { not: { condition: 'reads-secrets' } }),
    rule('v1beta1-timestamp', { all: [leaf('timestamp', 'exists', true)] }),
    rule('read-verb-by-list', { all: [leaf('read-verbs', 'contains', { fact: 'verb' })] }),
    rule('first-read-verb', { all: [eq('verb', { fact: 'read-verbs', path: '$[0]' })] }),
    rule('name-matches-body', { all: [eq('objectRef.name', { fact: 'requestObject', path: '$.metadata.name' })] }),
    rule('non-admin-member', { all: [leaf('user.groups', 'someFact:not:in', { fact: 'admin-groups' })] }),
    rule('private-sources-only', {
      all: [leaf('sourceIPs', 'everyFact:someValue:startsWith', ['10.', '172.', '192.168.'])],
    }),
  ];
  rules.forEach((r, index) => (r.source = { file: 'differential.json', index }));
  return { lists, conditions, rules, files: ['differential.json'] };
}

/** Operators, decorators and condition features a rule uses, its shared conditions included. */
function features(condition: unknown, spec: RuleSetSpec, into = new Set<string>()): Set<string> {
  if (condition === null || typeof condition !== 'object') return into;
  const c = condition as Record<string, unknown>;
  for (const key of ['all', 'any'] as const) {
    const children = c[key];
    if (Array.isArray(children)) {
      into.add(key);
      for (const child of children) {
        if (child && typeof child === 'object' && ('all' in child || 'any' in child || 'not' in child))
          into.add('nested');
        features(child, spec, into);
      }
    }
  }
  if ('not' in c) {
    into.add('not');
    features(c.not, spec, into);
  }
  if (typeof c.condition === 'string') {
    into.add('shared');
    features(spec.conditions[c.condition], spec, into);
  }
  if ('priority' in c) into.add('priority');
  if (typeof c.operator === 'string') {
    for (const part of c.operator.split(':')) into.add(part);
    if (c.path) into.add('path');
    const fact = String(c.fact);
    if (fact in DERIVED_FACTS) into.add('derived');
    if (fact in spec.lists) into.add('list');
    const value = c.value as { fact?: unknown } | null;
    if (value && typeof value === 'object' && 'fact' in value)
      into.add(String(value.fact) in spec.lists ? 'list' : 'event-fact-reference');
  }
  return into;
}

interface Tally {
  pairs: number;
  matches: number;
  errors: number;
}

/**
 * Compares every enabled rule on one event: the compiled test against json-rules-engine, rule by
 * rule. Returns the compiled matches (by name) and updates `tally`.
 */
async function compareEvent(
  compiled: CompiledRuleSet,
  reference: ReturnType<typeof createReferenceEngine>,
  event: AuditEvent,
  tally: Tally,
  where: string,
): Promise<Set<string>> {
  const outcomes = await reference.runEach(event);
  const matched = new Set<string>();
  for (const rule of compiled.rules) {
    if (!rule.spec.enabled) continue;
    const before = compiled.errors.get(rule.name) ?? 0;
    const result = rule.test(event);
    const errored = (compiled.errors.get(rule.name) ?? 0) > before;
    const expected = outcomes.get(rule.name);
    const actual = errored ? 'error' : result;
    const wanted = expected instanceof Error ? 'error' : expected;
    if (actual !== wanted) {
      throw new Error(
        `${where}: rule ${rule.name}: compiled ${String(actual)}, json-rules-engine ${String(wanted)}\nrule: ${JSON.stringify(rule.spec.conditions)}\nevent: ${JSON.stringify(event).slice(0, 2000)}`,
      );
    }
    expect(typeof result).toBe('boolean');
    if (errored) expect(result).toBe(false);
    tally.pairs++;
    if (result) {
      tally.matches++;
      matched.add(rule.name);
    }
    if (errored) tally.errors++;
  }
  return matched;
}

describe.skipIf(SKIP)('differential: real audit events, realistic rules', () => {
  it('compiled rules and json-rules-engine agree on every rule for every event', { timeout: 120_000 }, async () => {
    const events = loadFixtureEvents(3000);
    const spec = realisticRules();
    expect(ruleSetProblems(spec)).toEqual([]);
    const compiled = compileRuleSet(spec);
    const reference = createReferenceEngine(spec);
    const tally: Tally = { pairs: 0, matches: 0, errors: 0 };
    const perRule = new Map<string, number>();
    let batchRunsCompared = 0;

    for (const [i, { source, event }] of events.entries()) {
      const matched = await compareEvent(compiled, reference, event, tally, `${source} event ${i}`);
      for (const name of matched) perRule.set(name, (perRule.get(name) ?? 0) + 1);
      // The rule set as a whole: match() and one engine holding every rule (when no rule fails).
      const out: CompiledRule[] = [];
      compiled.match(event, out);
      expect(new Set(out.map((r) => r.name))).toEqual(matched);
      if (i % 5 === 0) {
        const all = await reference.run(event).catch(() => undefined);
        if (all !== undefined) {
          expect(all).toEqual(matched);
          batchRunsCompared++;
        }
      }
    }

    const enabled = spec.rules.filter((r) => r.enabled);
    console.info(
      `[differential] ${events.length} real events x ${enabled.length} rules = ${tally.pairs} pairs compared; ` +
        `${tally.matches} matches, ${tally.errors} json-rules-engine errors reproduced; ${batchRunsCompared} whole-set runs compared`,
    );
    expect(events.length).toBeGreaterThan(3000);
    expect(enabled.length).toBeGreaterThanOrEqual(40);
    expect(tally.pairs).toBe(events.length * enabled.length);
    // The error path is exercised: masters-delete throws on deletes without groups.
    expect(compiled.errors.get('masters-delete') ?? 0).toBeGreaterThan(0);
    expect([...compiled.errors.keys()]).toEqual(['masters-delete']);
    expect(perRule.has('never-enabled')).toBe(false);

    // Not trivially all-false (or all-true): every operator, decorator and feature is used by some
    // rule that matched some event, and the rules discriminate.
    const required = [
      ...OPERATORS.keys(),
      ...DECORATORS,
      'all',
      'any',
      'not',
      'nested',
      'shared',
      'priority',
      'path',
      'derived',
      'list',
      'event-fact-reference',
    ];
    const matchedFeatures = new Set<string>();
    for (const r of enabled)
      if ((perRule.get(r.name) ?? 0) > 0) for (const f of features(r.conditions, spec)) matchedFeatures.add(f);
    expect(required.filter((f) => !matchedFeatures.has(f))).toEqual([]);
    const matchingRules = enabled.filter((r) => (perRule.get(r.name) ?? 0) > 0).length;
    expect(matchingRules).toBeGreaterThanOrEqual(35);
    const universal = enabled.filter((r) => perRule.get(r.name) === events.length).map((r) => r.name);
    expect(universal).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Generated rules and events

/** Dotted fact paths (dots in keys escaped) with the values seen there, from real events. */
function vocabulary(events: readonly AuditEvent[]): {
  paths: string[];
  values: Map<string, unknown[]>;
  scalars: unknown[];
} {
  const values = new Map<string, unknown[]>();
  const scalars = new Set<unknown>();
  const visit = (value: unknown, path: string, depth: number) => {
    if (path !== '') {
      const seen = values.get(path) ?? [];
      if (seen.length < 8 && !seen.some((v) => JSON.stringify(v) === JSON.stringify(value))) seen.push(value);
      values.set(path, seen);
    }
    if (value === null || typeof value !== 'object') {
      if (scalars.size < 400) scalars.add(value);
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value.slice(0, 3)) visit(v, `${path}#`, depth);
      return;
    }
    if (depth >= 3) return;
    for (const [key, v] of Object.entries(value)) {
      if (key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      const escaped = key.replaceAll('.', '\\.');
      visit(v, path === '' ? escaped : `${path}.${escaped}`, depth + 1);
    }
  };
  for (const e of events) visit(e, '', 0);
  // Array elements are not facts; their values count for the array's path.
  for (const [path, seen] of [...values]) {
    if (!path.includes('#')) continue;
    values.delete(path);
    const base = path.slice(0, path.indexOf('#'));
    if (!base.includes('#'))
      values.set(`${base}#elements`, [...(values.get(`${base}#elements`) ?? []), ...seen].slice(0, 8));
  }
  const paths = [...values.keys()].filter((p) => !p.includes('#'));
  return { paths, values, scalars: [...scalars] };
}

const PROPERTY_LISTS: Record<string, unknown[]> = {
  'read-verbs': ['get', 'list', 'watch'],
  'system-users': ['system:kube-scheduler', 'system:apiserver', 'kubernetes-admin'],
  cidrs: ['10.0.0.0/8', '192.168.0.0/16', '::1', '::ffff:172.16.0.0/108'],
  patterns: ['^system:', 'kube', '^/api/v1/'],
  globs: ['system:*', '*-controller', '/api/*/namespaces/?*'],
  codes: [200, 201, 403, 404],
  nested: [{ a: 1 }, ['x'], 'plain'],
};
const REGEX_POOL = [
  '^system:',
  'serviceaccount',
  '^/apis?/',
  'kube-(system|public)$',
  '^[a-z]+$',
  '\\d{3}',
  'ctl/v1\\.',
  '(a+)+$',
];
const CIDR_POOL = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.99.0/24',
  '::1/128',
  'fc00::/7',
  '::ffff:10.0.0.0/104',
  '0.0.0.0/0',
  '1.2.3.4',
  'bad/8',
];
const PATH_POOL = [
  '$.spec.containers[*].image',
  '$..name',
  '$.metadata.name',
  '$.kind',
  '$[0]',
  '$.*',
  '$.roleRef.name',
  '$.username',
  '$.groups[0]',
  '$.resource',
  '$.length',
  '$..privileged',
  '$.spec.containers[?(@.name)]',
  '$.data.*~',
  '$.spec.containers[?(@.securityContext.privileged == true)].name',
];
const ODD_VALUES: unknown[] = [
  { toString: 1, valueOf: 1 },
  [],
  {},
  null,
  'x'.repeat(5000),
  '',
  0,
  -1,
  '10.0.0.1',
  '::ffff:10.1.1.1',
  ['get'],
  [[1]],
];

function arbitraries(events: readonly AuditEvent[]) {
  const { paths, values, scalars } = vocabulary(events);
  const factNames = [...paths, ...Object.keys(DERIVED_FACTS), ...Object.keys(PROPERTY_LISTS), 'no.such.fact'];
  const stringScalars = scalars.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const scalar = fc.oneof(
    fc.constantFrom(...scalars),
    fc.constantFrom('get', 'pods', 'system:masters', 200, 403, true, null),
    fc.string({ maxLength: 6 }),
  );
  const observed = (fact: string) =>
    fc.constantFrom(...(values.get(fact) ?? values.get(`${fact}#elements`) ?? scalars));
  const piece = fc.tuple(fc.constantFrom(...stringScalars), fc.nat(), fc.nat()).map(([s, a, b]) => {
    const start = Math.min(a, b) % (s.length + 1);
    return s.slice(start, start + 1 + (Math.max(a, b) % 12));
  });
  const globArb = fc
    .tuple(piece, fc.array(fc.constantFrom('*', '?', '.', '[', '\\'), { maxLength: 3 }), fc.boolean())
    .map(([s, extra, lead]) => {
      const g = s + extra.join('');
      return lead ? `*${g}` : g;
    });

  /** A value an operator can plausibly take (and sometimes one it cannot). */
  const baseValue = (base: string, fact: string): fc.Arbitrary<unknown> => {
    switch (base) {
      case 'equal':
      case 'notEqual':
      case 'contains':
      case 'doesNotContain':
        return fc.oneof(observed(fact), scalar);
      case 'in':
      case 'notIn':
      case 'intersects':
        return fc.array(fc.oneof(observed(fact), scalar), { maxLength: 5 });
      case 'lessThan':
      case 'lessThanInclusive':
      case 'greaterThan':
      case 'greaterThanInclusive':
        return fc.oneof(fc.integer({ min: -5, max: 600 }), observed(fact), fc.constantFrom('2019-01-01', '5', 'abc'));
      case 'startsWith':
      case 'endsWith':
        return fc.oneof(piece, fc.array(piece, { maxLength: 3 }));
      case 'matches':
        return fc.oneof(fc.constantFrom(...REGEX_POOL), fc.subarray(REGEX_POOL, { maxLength: 3 }));
      case 'glob':
        return fc.oneof(globArb, fc.array(globArb, { maxLength: 3 }));
      case 'exists':
        return fc.boolean();
      case 'inCIDR':
        return fc.oneof(fc.constantFrom(...CIDR_POOL), fc.subarray(CIDR_POOL, { maxLength: 3 }));
      default:
        return scalar;
    }
  };
  const priority = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 });
  const withPriority = <T extends object>(node: T, p: number | undefined): T =>
    p === undefined ? node : { ...node, priority: p };

  const leafArb: fc.Arbitrary<Condition> = fc
    .record({
      fact: fc.constantFrom(...factNames),
      decorators: fc.array(fc.constantFrom(...DECORATORS), { maxLength: 2 }),
      base: fc.constantFrom(...OPERATORS.keys()),
      path: fc.option(fc.constantFrom(...PATH_POOL), { nil: undefined, freq: 4 }),
      valueKind: fc.constantFrom('base', 'base', 'base', 'base', 'array', 'reference', 'json', 'odd'),
      seed: fc.nat(),
      priority,
    })
    .chain(({ fact, decorators, base, path, valueKind, priority: p }) => {
      const value: fc.Arbitrary<unknown> =
        valueKind === 'array' || decorators[0] === 'someValue' || decorators[0] === 'everyValue'
          ? fc.array(baseValue(base, fact), { maxLength: 3 })
          : valueKind === 'reference'
            ? fc.record(
                {
                  fact: fc.constantFrom(...factNames),
                  path: fc.option(fc.constantFrom(...PATH_POOL), { nil: undefined, freq: 3 }),
                },
                { requiredKeys: ['fact'] },
              )
            : valueKind === 'json'
              ? fc.jsonValue({ maxDepth: 2 })
              : valueKind === 'odd'
                ? fc.constantFrom(...ODD_VALUES)
                : baseValue(base, fact);
      return value.map((v) => {
        const node: Record<string, unknown> = { fact, operator: [...decorators, base].join(':'), value: v };
        if (path !== undefined) node.path = path;
        return withPriority(node, p) as unknown as Condition;
      });
    });

  /** Condition trees up to depth 4 that may reference the shared conditions `refs`. */
  const tree = (refs: string[]) => {
    const refArb: fc.Arbitrary<Condition>[] =
      refs.length > 0
        ? [
            fc
              .tuple(fc.constantFrom(...refs), priority)
              .map(([name, p]) => withPriority({ condition: name }, p) as Condition),
          ]
        : [];
    return fc.letrec<{ node: Condition; top: TopLevelCondition }>((tie) => ({
      node: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'condition' },
        leafArb,
        leafArb,
        ...refArb,
        tie('top') as fc.Arbitrary<Condition>,
      ),
      top: fc.oneof(
        { depthIdentifier: 'condition' },
        fc.tuple(fc.array(tie('node'), { maxLength: 4 }), priority).map(([all, p]) => withPriority({ all }, p)),
        fc.tuple(fc.array(tie('node'), { maxLength: 4 }), priority).map(([any, p]) => withPriority({ any }, p)),
        fc.tuple(tie('node'), priority).map(([not, p]) => withPriority({ not }, p)),
        ...(refArb as fc.Arbitrary<TopLevelCondition>[]),
      ),
    })).top;
  };

  const ruleSetArb: fc.Arbitrary<RuleSetSpec> = fc
    .tuple(
      tree([]),
      tree(['c0']),
      tree(['c0', 'c1']),
      fc.array(tree(['c0', 'c1', 'c2']), { minLength: 3, maxLength: 8 }),
    )
    .map(([c0, c1, c2, tops]) => ({
      lists: PROPERTY_LISTS,
      conditions: { c0, c1, c2 } as Record<string, Condition>,
      files: ['generated.json'],
      rules: tops.map((conditions, i) => rule(`r${i}`, conditions)),
    }));

  // Events: real ones, real ones with one field changed or removed, and made-up ones.
  const realEvent = fc.constantFrom(...events);
  const setPath = (event: AuditEvent, path: string, value: unknown): AuditEvent => {
    const copy = structuredClone(event) as Record<string, unknown>;
    const keys = path.split(/(?<!\\)\./).map((k) => k.replaceAll('\\.', '.'));
    let node: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete node[last];
    else node[last] = value;
    return copy as AuditEvent;
  };
  const mutatedEvent = fc
    .tuple(
      realEvent,
      fc.constantFrom(...paths),
      fc.oneof(
        fc.constant(undefined),
        fc.constantFrom(...scalars),
        fc.constantFrom(...ODD_VALUES),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    )
    .map(([event, path, value]) => setPath(event, path, value));
  const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('::ffff:10.1.2.3', '10.0.0.1', 'not-an-ip'));
  const madeUp = fc.record(
    {
      verb: fc.constantFrom('get', 'list', 'create', 'delete', 'patch'),
      user: fc.record(
        {
          username: fc.constantFrom('system:anonymous', 'system:serviceaccount:kube-system:x', 'alice'),
          groups: fc.array(fc.constantFrom('system:masters', 'system:authenticated', 'system:unauthenticated'), {
            maxLength: 3,
          }),
        },
        { requiredKeys: [] },
      ),
      objectRef: fc.record(
        {
          resource: fc.constantFrom('pods', 'secrets', 'configmaps'),
          namespace: fc.constantFrom('kube-system', 'default'),
          subresource: fc.constantFrom('exec', 'attach', 'status'),
        },
        { requiredKeys: [] },
      ),
      sourceIPs: fc.array(ip, { maxLength: 3 }),
      responseStatus: fc.record({
        code: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom('403', ODD_VALUES[0])),
      }),
      requestURI: fc.constantFrom(
        '/api/v1/namespaces/default/pods/x/exec?command=bash&container=c',
        '/healthz',
        '/api/v1/secrets',
      ),
      requestObject: fc.jsonValue({ maxDepth: 3 }),
      annotations: fc.dictionary(
        fc.constantFrom('authorization.k8s.io/decision', 'authorization.k8s.io/reason'),
        fc.constantFrom('allow', 'forbid', ''),
      ),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<AuditEvent>;
  const eventArb = fc.oneof(realEvent, mutatedEvent, mutatedEvent, madeUp);
  return { ruleSetArb, eventArb };
}

/** Keeps the generated rules that compile; shared conditions that do not are replaced by `{ all: [] }`. */
function usable(spec: RuleSetSpec): { spec: RuleSetSpec; dropped: number } {
  const conditions = { ...spec.conditions };
  for (const p of ruleSetProblems(spec)) {
    const match = /^\/conditions\/([^/]+)/.exec(p.pointer);
    if (match) conditions[match[1]!] = { all: [] };
  }
  const repaired = { ...spec, conditions };
  const bad = new Set(ruleSetProblems(repaired).map((p) => p.rule));
  const rules = spec.rules.filter((r) => !bad.has(r.name));
  return { spec: { ...repaired, rules }, dropped: spec.rules.length - rules.length };
}

describe.skipIf(SKIP)('differential: generated rules and events', () => {
  it('agree on thousands of (rule, event) pairs, errors included', { timeout: 120_000 }, async () => {
    const real = loadFixtureEvents(300).map((e) => e.event);
    const { ruleSetArb, eventArb } = arbitraries(real);
    const tally: Tally = { pairs: 0, matches: 0, errors: 0 };
    let generated = 0;
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(ruleSetArb, fc.array(eventArb, { minLength: 6, maxLength: 12 }), async (raw, events) => {
        const { spec, dropped: d } = usable(raw);
        generated += raw.rules.length;
        dropped += d;
        if (spec.rules.length === 0) return;
        const compiled = compileRuleSet(spec);
        const reference = createReferenceEngine(spec);
        for (const [i, event] of events.entries())
          await compareEvent(compiled, reference, event, tally, `generated event ${i}`);
      }),
      {
        numRuns: Number(process.env.KAUDIT_FC_RUNS ?? 600),
        seed: Number(process.env.KAUDIT_FC_SEED ?? 20_240_501),
        endOnFailure: true,
      },
    );
    console.info(
      `[differential] generated: ${tally.pairs} (rule, event) pairs compared, ${tally.matches} matches, ${tally.errors} errors reproduced; ` +
        `${dropped} of ${generated} generated rules refused at load time`,
    );
    expect(tally.pairs).toBeGreaterThan(5000);
    expect(tally.matches).toBeGreaterThan(tally.pairs / 50);
    expect(tally.matches).toBeLessThan(tally.pairs);
    expect(tally.errors).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(generated * 0.8);
  });
});
