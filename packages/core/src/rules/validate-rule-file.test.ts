import { describe, expect, it } from 'vitest';
import type { RuleSpec } from './rule-file.js';
import { validateRuleFile } from './validate-rule-file.js';
import { DESIGN_EXAMPLE } from './test-design-example.js';

const ALL = { all: [] };

/** A file with one rule. */
function oneRule(rule: Record<string, unknown>) {
  return { rules: [{ name: 'r', severity: 'low', conditions: ALL, ...rule }] };
}

describe('validateRuleFile: valid files', () => {
  it('turns the DESIGN.md example into the expected RuleSpec', () => {
    const result = validateRuleFile(DESIGN_EXAMPLE, 'rules/secrets.json');
    expect(result.problems).toEqual([]);
    expect(result.lists).toEqual(DESIGN_EXAMPLE.lists);
    expect(result.conditions).toEqual(DESIGN_EXAMPLE.conditions);
    expect(result.rules).toStrictEqual<RuleSpec[]>([
      {
        name: 'secret-read-burst',
        title: 'Burst of secret reads',
        severity: 'high',
        tags: ['credential-access'],
        enabled: true,
        conditions: DESIGN_EXAMPLE.rules[0]!.conditions as RuleSpec['conditions'],
        source: { file: 'rules/secrets.json', index: 0 },
        threshold: { count: 5, within: 60_000, withinText: '1m', groupBy: ['user.username'] },
        // The suppression key defaults to the threshold's groupBy.
        suppress: { for: 600_000, forText: '10m', key: ['user.username'] },
        message: '{{user.username}} read {{count}} secrets within {{within}}',
      },
    ]);
  });

  it('fills in defaults: title from the name, no tags, enabled, no threshold', () => {
    const { problems, rules } = validateRuleFile(oneRule({ name: 'minimal' }), 'f.json');
    expect(problems).toEqual([]);
    expect(rules).toStrictEqual<RuleSpec[]>([
      {
        name: 'minimal',
        title: 'minimal',
        severity: 'low',
        tags: [],
        enabled: true,
        conditions: ALL,
        source: { file: 'f.json', index: 0 },
      },
    ]);
  });

  it('keeps explicit values: description, enabled false, distinct, suppress key; suppress alone has an empty key', () => {
    const file = {
      rules: [
        {
          name: 'a',
          description: 'why',
          severity: 'critical',
          enabled: false,
          conditions: ALL,
          threshold: { count: 3, within: '1h30m', groupBy: ['user.username'], distinct: 'objectRef.namespace' },
          suppress: { for: '500ms', key: ['sourceIP'] },
        },
        { name: 'b', severity: 'info', conditions: ALL, suppress: { for: '2d' } },
      ],
    };
    const { problems, rules } = validateRuleFile(file, 'f.json');
    expect(problems).toEqual([]);
    expect(rules[0]).toMatchObject({
      description: 'why',
      enabled: false,
      threshold: {
        count: 3,
        within: 5_400_000,
        withinText: '1h30m',
        groupBy: ['user.username'],
        distinct: 'objectRef.namespace',
      },
      suppress: { for: 500, forText: '500ms', key: ['sourceIP'] },
    });
    expect(rules[1]!.suppress).toEqual({ for: 172_800_000, forText: '2d', key: [] });
    expect(rules.map((r) => r.source.index)).toEqual([0, 1]);
  });

  it('does not alias the arrays of the input', () => {
    const file = oneRule({ tags: ['t'], threshold: { count: 2, within: '1m', groupBy: ['verb'] } });
    const [spec] = validateRuleFile(file, 'f.json').rules;
    spec!.tags.push('x');
    spec!.threshold!.groupBy.push('x');
    expect(file.rules[0]).toMatchObject({ tags: ['t'], threshold: { groupBy: ['verb'] } });
  });

  it('accepts references to shared conditions of other files when told their names', () => {
    const file = oneRule({ conditions: { condition: 'elsewhere' } });
    expect(validateRuleFile(file, 'f.json').problems).toHaveLength(1);
    expect(validateRuleFile(file, 'f.json', { knownConditions: new Set(['elsewhere']) }).problems).toEqual([]);
  });

  it('accepts derived facts, list facts, escaped dots and message variables', () => {
    const file = {
      lists: { admins: ['alice'] },
      rules: [
        {
          name: 'a',
          severity: 'low',
          conditions: {
            all: [
              { fact: 'annotations.authorization\\.k8s\\.io/decision', operator: 'equal', value: 'forbid' },
              { fact: 'effectiveUser', operator: 'in', value: { fact: 'admins' } },
            ],
          },
          threshold: { count: 2, within: '1m', distinct: 'objectRef.name' },
          message: '{{ effectiveUser }} touched {{distinct}} ({{count}} in {{within}})',
        },
      ],
    };
    expect(validateRuleFile(file, 'f.json').problems).toEqual([]);
  });
});

describe('validateRuleFile: problems', () => {
  /** Faults of every kind, one or two per rule, so that each must be reported on its own. */
  const FAULTY = {
    rule: [],
    lists: { sourceIP: ['10.0.0.1'], 'bad.name': [], admins: ['alice', {}] },
    conditions: {
      'reads-secrets': { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'secrets' }] },
      leafy: { fact: 'verb', operator: 'equal', value: 'get' },
    },
    rules: [
      { name: 'bad-severity', severity: 'urgent', conditions: { condition: 'reads-secrets' } },
      { name: 'typo', severty: 'high', conditions: { condition: 'reads-secrets' } },
      { name: 'no-conditions', severity: 'low' },
      {
        name: 'bad-durations',
        severity: 'low',
        conditions: ALL,
        threshold: { count: 0, within: '5 minutes' },
        suppress: { for: '30m1h' },
      },
      { name: 'bad-severity', severity: 'low', conditions: ALL },
      {
        name: 'proto',
        severity: 'low',
        conditions: { all: [{ fact: '__proto__.polluted', operator: 'equal', value: { fact: 'constructor' } }] },
        threshold: { count: 2, within: '1m', groupBy: ['user..name'] },
        suppress: { for: '1m', key: ['prototype'] },
        message: '{{user.__proto__}} did it {{count}} times',
      },
      { name: 'unknown-ref', severity: 'low', conditions: { any: [{ condition: 'reads-secret' }] } },
      { name: 'top-leaf', severity: 'low', conditions: { fact: 'verb', operator: 'equal', value: 'get' } },
      { name: 'Bad_Name', severity: 5, tags: ['x', 3], conditions: { alll: [] } },
      'not-a-rule',
      { name: 'fine', severity: 'low', conditions: ALL },
    ],
  };

  it('lists every fault, in file order, with its pointer and rule name', () => {
    const { problems } = validateRuleFile(FAULTY, 'faulty.json');
    expect(problems.map((p) => [p.pointer, p.rule])).toEqual([
      ['/rule', undefined],
      ['/lists/sourceIP', undefined],
      ['/lists/bad.name', undefined],
      ['/lists/admins/1', undefined],
      ['/conditions/leafy', undefined],
      ['/rules/0/severity', 'bad-severity'],
      ['/rules/1/severty', 'typo'],
      ['/rules/2', 'no-conditions'],
      ['/rules/3/threshold/count', 'bad-durations'],
      ['/rules/3/threshold/within', 'bad-durations'],
      ['/rules/3/suppress/for', 'bad-durations'],
      ['/rules/4/name', 'bad-severity'],
      ['/rules/5/conditions/all/0/fact', 'proto'],
      ['/rules/5/conditions/all/0/value/fact', 'proto'],
      ['/rules/5/threshold/groupBy/0', 'proto'],
      ['/rules/5/suppress/key/0', 'proto'],
      ['/rules/5/message', 'proto'],
      ['/rules/6/conditions/any/0/condition', 'unknown-ref'],
      ['/rules/7/conditions', 'top-leaf'],
      ['/rules/8/name', 'Bad_Name'],
      ['/rules/8/severity', 'Bad_Name'],
      ['/rules/8/tags/1', 'Bad_Name'],
      ['/rules/8/conditions', 'Bad_Name'],
      ['/rules/9', undefined],
    ]);
    expect(problems.every((p) => p.file === 'faulty.json')).toBe(true);
  });

  it('says what was expected', () => {
    const messages = Object.fromEntries(
      validateRuleFile(FAULTY, 'faulty.json').problems.map((p) => [p.pointer, p.message]),
    );
    expect(messages).toMatchObject({
      '/rule': 'unknown property "rule" (did you mean "rules"?)',
      '/lists/sourceIP': expect.stringContaining('list "sourceIP" has the name of a derived fact'),
      '/lists/bad.name': expect.stringContaining('list name must be a letter followed by letters, digits'),
      '/lists/admins/1': 'list "admins" item 1 must be a string, number or boolean; got an object',
      '/conditions/leafy': expect.stringContaining('put this fact test inside { "all": [ ... ] }'),
      '/rules/0/severity': 'severity must be one of info, low, medium, high, critical; got "urgent"',
      '/rules/1/severty': 'unknown property "severty" (did you mean "severity"?)',
      '/rules/2': 'the rule is missing the required property "conditions" (or a "sequence" instead)',
      '/rules/3/threshold/count': 'threshold.count must be at least 1; got 0',
      '/rules/3/threshold/within':
        'threshold.within must be a duration such as 500ms, 30s, 1m, 1.5h, 2d or 1h30m; got "5 minutes"',
      '/rules/3/suppress/for': expect.stringContaining('suppress.for "30m1h" is not a valid duration'),
      '/rules/4/name': 'duplicate rule name "bad-severity": the rule at /rules/0 has it too',
      '/rules/5/conditions/all/0/fact': 'invalid fact: "__proto__.polluted" uses the forbidden key "__proto__"',
      '/rules/5/conditions/all/0/value/fact': 'invalid fact: "constructor" uses the forbidden key "constructor"',
      '/rules/5/threshold/groupBy/0': 'invalid fact: "user..name" has an empty segment',
      '/rules/5/suppress/key/0': 'invalid fact: "prototype" uses the forbidden key "prototype"',
      '/rules/5/message': 'placeholder {{user.__proto__}}: "user.__proto__" uses the forbidden key "__proto__"',
      '/rules/6/conditions/any/0/condition': expect.stringContaining(
        'unknown shared condition "reads-secret" (did you mean "reads-secrets"?)',
      ),
      '/rules/8/name': expect.stringContaining('name must be lower-case kebab-case'),
      '/rules/8/severity': 'severity must be one of info, low, medium, high, critical; got 5',
      '/rules/8/tags/1': 'tags[1] must be a string; got 3',
      '/rules/8/conditions': expect.stringContaining('found "alll" (did you mean "all" instead of "alll"?)'),
      '/rules/9': 'the rule must be an object; got "not-a-rule"',
    });
  });

  it('still returns the parts without problems', () => {
    const result = validateRuleFile(FAULTY, 'faulty.json');
    expect(result.rules.map((r) => [r.name, r.source.index])).toEqual([['fine', 10]]);
    expect(Object.keys(result.conditions)).toEqual(['reads-secrets']);
    expect(Object.keys(result.lists)).toEqual([]);
  });

  it.each([
    [
      'a fact test without value',
      { all: [{ fact: 'verb', operator: 'equal' }] },
      '/all/0',
      'all[0] is missing the required property "value"',
    ],
    [
      'a misspelt key',
      { all: [{ fact: 'verb', operater: 'equal', value: 'get' }] },
      '/all/0/operater',
      'unknown property "operater" (did you mean "operator"?)',
    ],
    ['two boolean operators', { all: [{ all: [], any: [] }] }, '/all/0', 'this one has "all" and "any"'],
    [
      'a boolean operator and a fact test',
      { any: [{ not: ALL, fact: 'verb' }] },
      '/any/0',
      'this one has "not" and a fact test',
    ],
    ['an empty object', { all: [{}] }, '/all/0', 'found an empty object'],
    ['"not" given an array', { not: [] }, '/not', 'got an array'],
    ['"all" given an object', { all: {} }, '/all', 'all must be an array; got an object'],
    ['a string instead of a condition', { any: ['verb'] }, '/any/0', 'got "verb"'],
    [
      'a bad priority',
      { all: [{ fact: 'verb', operator: 'in', value: [], priority: 'high' }] },
      '/all/0/priority',
      'priority must be a whole number; got "high"',
    ],
    ['an unknown key beside "all"', { all: [], al: 1 }, '/al', 'unknown property "al"'],
    [
      'a non-string fact reference',
      { all: [{ fact: 'verb', operator: 'in', value: { fact: 1 } }] },
      '/all/0/value/fact',
      'a fact reference\'s "fact" must be a string',
    ],
    [
      'a deep fault',
      { all: [{ any: [{ not: { all: [{ fact: 'verb', operator: 'equal', value: 'get', extra: 1 }] } }] }] },
      '/all/0/any/0/not/all/0/extra',
      'unknown property "extra"',
    ],
  ])('reports %s as one problem at the right place, not one per oneOf branch', (_what, conditions, at, message) => {
    const { problems } = validateRuleFile(oneRule({ conditions }), 'f.json');
    expect(problems).toEqual([
      { file: 'f.json', rule: 'r', pointer: `/rules/0/conditions${at}`, message: expect.stringContaining(message) },
    ]);
  });

  it('refuses prototype keys as list and condition names', () => {
    // Parsed from text, so "__proto__" is an own key as it is after JSON.parse.
    const file = JSON.parse(
      '{"lists": {"__proto__": [], "constructor": []}, "conditions": {"prototype": {"all": []}}, "rules": []}',
    ) as unknown;
    const result = validateRuleFile(file, 'f.json');
    expect(result.problems.map((p) => p.pointer)).toEqual([
      '/lists/__proto__',
      '/lists/constructor',
      '/conditions/prototype',
    ]);
    expect(Object.getPrototypeOf(result.lists)).toBe(Object.prototype);
  });

  it('reports a file that is not an object as one problem', () => {
    expect(validateRuleFile([], 'f.json').problems).toEqual([
      { file: 'f.json', pointer: '', message: 'the rule file must be an object; got an array' },
    ]);
    expect(validateRuleFile(oneRule({}).rules, 'f.json').rules).toEqual([]);
  });

  it('refuses absurdly deep nesting without overflowing the stack', () => {
    let conditions: unknown = { fact: 'verb', operator: 'equal', value: 'get' };
    for (let i = 0; i < 20_000; i++) conditions = { not: conditions };
    const { problems, rules } = validateRuleFile(oneRule({ conditions }), 'f.json');
    expect(problems).toEqual([{ file: 'f.json', pointer: '', message: expect.stringContaining('nested deeper than') }]);
    expect(rules).toEqual([]);
  });

  it('reports a duration of zero', () => {
    const { problems } = validateRuleFile(oneRule({ threshold: { count: 1, within: '0s' } }), 'f.json');
    expect(problems).toEqual([
      {
        file: 'f.json',
        rule: 'r',
        pointer: '/rules/0/threshold/within',
        message: 'threshold.within must be longer than zero; got "0s"',
      },
    ]);
  });

  it('takes a rule lateness of zero (alert at once) but not one that is not a duration', () => {
    const ok = validateRuleFile(oneRule({ suppress: { for: '1h', key: ['auditID'] }, lateness: '0s' }), 'f.json');
    expect(ok.problems).toEqual([]);
    expect(ok.rules[0]!.lateness).toBe(0);
    const bad = validateRuleFile(oneRule({ lateness: 'soon' }), 'f.json');
    expect(bad.problems.map((p) => p.pointer)).toEqual(['/rules/0/lateness']);
  });
});

describe('validateRuleFile: sequence and newTerm', () => {
  const ALL = { all: [] };
  const messages = (json: unknown) =>
    validateRuleFile(json, 'f.json').problems.map((p) => `${p.pointer}: ${p.message}`);

  it('converts a sequence: steps with default keys, the rule conditions any step, the alert key the last step', () => {
    const { problems, rules } = validateRuleFile(
      {
        rules: [
          {
            name: 's',
            severity: 'high',
            sequence: {
              within: '10m',
              steps: [
                { conditions: ALL, key: ['a'] },
                { name: 'use', conditions: ALL, key: ['b'] },
              ],
            },
            suppress: { for: '1h' },
          },
        ],
      },
      'f.json',
    );
    expect(problems).toEqual([]);
    expect(rules[0]).toMatchObject({
      conditions: { any: [ALL, ALL] },
      sequence: { within: 600_000, withinText: '10m', steps: [{ key: ['a'] }, { name: 'use', key: ['b'] }] },
      suppress: { key: ['b'] },
    });
  });

  it('converts a newTerm with learnFor defaulting to zero, and keys suppression by its fields', () => {
    const { rules } = validateRuleFile(
      {
        rules: [
          {
            name: 'n',
            severity: 'low',
            conditions: ALL,
            newTerm: { fields: ['userAgent'], history: '7d' },
            suppress: { for: '1h' },
          },
        ],
      },
      'f.json',
    );
    expect(rules[0]).toMatchObject({
      newTerm: { fields: ['userAgent'], history: 7 * 86_400_000, historyText: '7d', learnFor: 0 },
      suppress: { key: ['userAgent'] },
    });
  });

  it('refuses a rule with neither conditions nor a sequence, and the combinations that mean nothing', () => {
    expect(messages({ rules: [{ name: 'x', severity: 'low' }] })).toEqual([
      '/rules/0: the rule is missing the required property "conditions" (or a "sequence" instead)',
    ]);
    expect(
      messages({
        rules: [
          {
            name: 'x',
            severity: 'low',
            conditions: ALL,
            newTerm: { fields: [], history: '0s', learnFor: 'soon' },
            threshold: { count: 2, within: '1m' },
          },
        ],
      }),
    ).toEqual([
      '/rules/0/newTerm/fields: newTerm.fields must have at least 1 item(s); got an array',
      '/rules/0/newTerm/history: newTerm.history must be longer than zero; got "0s"',
      '/rules/0/newTerm/learnFor: newTerm.learnFor must be a duration such as 500ms, 30s, 1m, 1.5h, 2d or 1h30m; got "soon"',
      '/rules/0/threshold: a newTerm rule cannot have a threshold: it fires on the first event of a new term',
    ]);
  });

  it('refuses a sequence step with an unknown key, a bad key fact, a repeated name, or no conditions', () => {
    expect(
      messages({
        rules: [
          {
            name: 'x',
            severity: 'low',
            sequence: {
              within: '5m',
              steps: [
                { name: 'a', conditions: ALL, key: ['user..name'] },
                { name: 'a', conditions: ALL, key: ['b'], keys: [] },
                { key: ['c'] },
              ],
            },
          },
        ],
      }),
    ).toEqual([
      '/rules/0/sequence/steps/0/key/0: invalid fact: "user..name" has an empty segment',
      '/rules/0/sequence/steps/1/name: duplicate step name "a": step 0 has it too',
      '/rules/0/sequence/steps/1/keys: unknown property "keys" (did you mean "key"?)',
      '/rules/0/sequence/steps/2: sequence.steps[2] is missing the required property "conditions"',
    ]);
  });
});
