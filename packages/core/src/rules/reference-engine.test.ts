import { describe, expect, it } from 'vitest';
import { auditEvent } from '../testing/audit-event-builder.js';
import { createReferenceEngine } from './reference-engine.js';
import type { RuleSetSpec, RuleSpec, TopLevelCondition } from './rule-file.js';

function rule(name: string, conditions: TopLevelCondition, extra: Partial<RuleSpec> = {}): RuleSpec {
  return {
    name,
    title: name,
    severity: 'low',
    tags: [],
    enabled: true,
    conditions,
    source: { file: 'a.json', index: 0 },
    ...extra,
  };
}

/** A fresh spec each time: a test that mutated it must not hide it from the next. */
const makeSpec = (): RuleSetSpec => ({
  files: ['a.json'],
  lists: { 'private-cidrs': ['10.0.0.0/8'], admins: ['system:masters'] },
  conditions: { 'is-exec': { any: [{ fact: 'objectRef.subresource', operator: 'equal', value: 'exec' }] } },
  rules: [
    rule('exec', { condition: 'is-exec' }),
    rule('private-source', { all: [{ fact: 'sourceIP', operator: 'inCIDR', value: { fact: 'private-cidrs' } }] }),
    rule('kubectl', { all: [{ fact: 'userAgent', operator: 'matches', value: '^kubectl/', priority: 2.5 }] }),
    rule('admin', { all: [{ fact: 'user.groups', operator: 'intersects', value: { fact: 'admins' } }] }),
    rule('disabled', { all: [] }, { enabled: false }),
    // Throws when user.extra.verbs is missing: `in` calls value.indexOf.
    rule('fragile', { all: [{ fact: 'verb', operator: 'in', value: { fact: 'user.extra.verbs' } }] }),
  ],
});

describe('createReferenceEngine', () => {
  it('runs every enabled rule with lists, shared conditions, derived facts and kaudit operators', async () => {
    const reference = createReferenceEngine(makeSpec());
    const event = auditEvent({
      objectRef: { resource: 'pods', subresource: 'exec' },
      sourceIPs: ['203.0.113.9', '10.1.2.3'],
      user: { username: 'root', groups: ['system:masters'], extra: { verbs: ['get'] } },
    });
    expect(await reference.run(event)).toEqual(new Set(['exec', 'private-source', 'kubectl', 'admin', 'fragile']));
    expect([...(await reference.runEach(event))]).toEqual([
      ['exec', true],
      ['private-source', true],
      ['kubectl', true],
      ['admin', true],
      ['fragile', true],
    ]);
  });

  it('run rejects when any rule throws; runEach pins the error on that rule', async () => {
    const reference = createReferenceEngine(makeSpec());
    const event = auditEvent({ userAgent: 'curl/8', sourceIPs: ['8.8.8.8'] });
    await expect(reference.run(event)).rejects.toThrow(TypeError);
    const each = await reference.runEach(event);
    expect(each.get('fragile')).toBeInstanceOf(TypeError);
    expect(each.get('kubectl')).toBe(false);
    expect(each.get('private-source')).toBe(false);
  });

  it('leaves the spec untouched (json-rules-engine rewrites priorities in what it is given)', async () => {
    const spec = makeSpec();
    await createReferenceEngine(spec).runEach(auditEvent());
    expect(spec).toEqual(makeSpec());
  });
});
