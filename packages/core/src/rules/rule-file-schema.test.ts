import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type {
  ExpectedAlert,
  LeafCondition,
  NewTermDefinition,
  ProfileFile,
  RuleDefinition,
  RuleFile,
  RuleTestCase,
  SequenceDefinition,
  SequenceStepDefinition,
  SuppressSpec,
  ThresholdSpec,
} from './rule-file.js';
import { RULE_FILE_SCHEMA } from './rule-file-schema.js';
import { DESIGN_EXAMPLE } from './test-design-example.js';

function strictValidator() {
  // allowUnionTypes: list items are `"type": ["string", "number", "boolean"]`, valid draft-07
  // that strict mode only wants acknowledged.
  return new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(RULE_FILE_SCHEMA);
}

type Schema = { properties?: Record<string, Schema>; definitions?: Record<string, Schema>; description?: string };

/** Property names of the schema object at `path` (e.g. `definitions.rule`). */
function propertiesOf(name: keyof typeof RULE_FILE_SCHEMA.definitions | 'root'): string[] {
  const schema = (name === 'root' ? RULE_FILE_SCHEMA : RULE_FILE_SCHEMA.definitions[name]) as Schema;
  return Object.keys(schema.properties ?? {}).sort();
}

/** The keys of a TypeScript interface, checked by the compiler (`satisfies` refuses missing and extra keys). */
function keysOf<T>(keys: Record<keyof T, true>): string[] {
  return Object.keys(keys).sort();
}

describe('RULE_FILE_SCHEMA', () => {
  it('compiles under ajv strict mode', () => {
    expect(() => strictValidator()).not.toThrow();
  });

  it('accepts the DESIGN.md example', () => {
    const validate = strictValidator();
    expect(validate(DESIGN_EXAMPLE), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts every json-rules-engine condition form, nested', () => {
    const validate = strictValidator();
    const file = {
      $schema: './rule-file.schema.json',
      rules: [
        {
          name: 'all-forms',
          severity: 'info',
          enabled: false,
          conditions: {
            any: [
              {
                not: {
                  fact: 'verb',
                  operator: 'equal',
                  value: 'get',
                  path: '$.x',
                  params: { a: 1 },
                  priority: 2,
                  name: 'n',
                },
              },
              { all: [], priority: 1, name: 'empty-all' },
              { condition: 'x', priority: 3 },
              { not: { any: [{ fact: 'isAnonymous', operator: 'equal', value: true }] } },
            ],
          },
          threshold: { count: 3, within: '1h30m', distinct: 'objectRef.namespace' },
          suppress: { for: '500ms', key: [] },
        },
      ],
    };
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown top-level property', { rules: [], rule: [] }],
    ['a missing rules array', { lists: {} }],
    ['an unknown rule property', { rules: [{ name: 'a', severity: 'low', conditions: { all: [] }, severty: 'low' }] }],
    [
      'a fact test at the top of a rule',
      { rules: [{ name: 'a', severity: 'low', conditions: { fact: 'verb', operator: 'equal', value: 'get' } }] },
    ],
    [
      'a fact test as a shared condition',
      { conditions: { c: { fact: 'verb', operator: 'equal', value: 'get' } }, rules: [] },
    ],
    [
      'two boolean operators in one condition',
      { rules: [{ name: 'a', severity: 'low', conditions: { all: [], any: [] } }] },
    ],
    [
      'a leaf condition without value',
      { rules: [{ name: 'a', severity: 'low', conditions: { all: [{ fact: 'verb', operator: 'equal' }] } }] },
    ],
    ['"not" given an array', { rules: [{ name: 'a', severity: 'low', conditions: { not: [] } }] }],
    ['an upper-case rule name', { rules: [{ name: 'Bad', severity: 'low', conditions: { all: [] } }] }],
    [
      'a bad duration',
      { rules: [{ name: 'a', severity: 'low', conditions: { all: [] }, suppress: { for: '10 minutes' } }] },
    ],
    [
      'a zero count',
      { rules: [{ name: 'a', severity: 'low', conditions: { all: [] }, threshold: { count: 0, within: '1m' } }] },
    ],
    ['an object in a list', { lists: { l: [{}] }, rules: [] }],
    ['a dotted list name', { lists: { 'a.b': [] }, rules: [] }],
    ['a prototype key as a list name', { lists: { constructor: [] }, rules: [] }],
  ])('refuses %s', (_what, file) => {
    expect(strictValidator()(file)).toBe(false);
  });

  it('describes every property, so that editors can show what each one is for', () => {
    const missing: string[] = [];
    const visit = (schema: Schema, where: string) => {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (typeof property.description !== 'string' || property.description.length === 0)
          missing.push(`${where}.${name}`);
      }
    };
    visit(RULE_FILE_SCHEMA as Schema, 'root');
    for (const [name, definition] of Object.entries(RULE_FILE_SCHEMA.definitions)) visit(definition as Schema, name);
    expect(missing).toEqual([]);
  });

  it('has exactly the properties of the RuleFile types (schema and types cannot drift apart)', () => {
    expect(propertiesOf('ruleFile')).toEqual(
      keysOf<RuleFile>({ $schema: true, lists: true, conditions: true, rules: true, tests: true }),
    );
    expect(propertiesOf('profileFile')).toEqual(
      keysOf<ProfileFile>({ $schema: true, profile: true, description: true, lists: true }),
    );
    expect(propertiesOf('testCase')).toEqual(
      keysOf<RuleTestCase>({ name: true, rules: true, profile: true, events: true, eventsFile: true, expect: true }),
    );
    expect(propertiesOf('expectedAlert')).toEqual(keysOf<ExpectedAlert>({ rule: true, count: true, key: true }));
    expect(propertiesOf('sequence')).toEqual(keysOf<SequenceDefinition>({ within: true, steps: true }));
    expect(propertiesOf('sequenceStep')).toEqual(
      keysOf<SequenceStepDefinition>({ name: true, conditions: true, key: true }),
    );
    expect(propertiesOf('newTerm')).toEqual(keysOf<NewTermDefinition>({ fields: true, history: true, learnFor: true }));
    expect(propertiesOf('rule')).toEqual(
      keysOf<RuleDefinition>({
        name: true,
        title: true,
        description: true,
        severity: true,
        tags: true,
        enabled: true,
        conditions: true,
        sequence: true,
        newTerm: true,
        threshold: true,
        suppress: true,
        lateness: true,
        message: true,
      }),
    );
    expect(propertiesOf('threshold')).toEqual(
      keysOf<ThresholdSpec>({ count: true, within: true, groupBy: true, distinct: true }),
    );
    expect(propertiesOf('suppress')).toEqual(keysOf<SuppressSpec>({ for: true, key: true }));
    expect(propertiesOf('factCondition')).toEqual(
      keysOf<LeafCondition>({
        fact: true,
        operator: true,
        value: true,
        path: true,
        params: true,
        priority: true,
        name: true,
      }),
    );
  });

  it('accepts a rule file with tests, a sequence and a newTerm, and a profile file', () => {
    const validate = strictValidator();
    const conditions = { all: [{ fact: 'verb', operator: 'equal', value: 'create' }] };
    const file = {
      rules: [
        {
          name: 'grant-then-use',
          severity: 'high',
          sequence: {
            within: '10m',
            steps: [
              { name: 'grant', conditions, key: ['effectiveUser'] },
              { name: 'use', conditions, key: ['effectiveUser'] },
            ],
          },
        },
        {
          name: 'new-agent',
          severity: 'low',
          conditions,
          newTerm: { fields: ['userAgent'], history: '7d', learnFor: '1h' },
        },
      ],
      tests: [
        {
          name: 'fires',
          rules: ['grant-then-use'],
          profile: 'eks',
          events: [{ verb: 'create' }],
          expect: [{ rule: 'grant-then-use', count: 2, key: { effectiveUser: 'alice' } }],
        },
        { name: 'from a file', eventsFile: 'tests/x.jsonl', expect: [] },
      ],
    };
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    const profile = {
      $schema: '../rule-file.schema.json',
      profile: 'eks',
      description: 'EKS',
      lists: { a: ['eks:*'] },
    };
    expect(validate(profile), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ profile: 'eks', lists: {}, rules: [] })).toBe(false);
    expect(validate({ profile: 'eks' })).toBe(false);
  });

  it('is plain JSON, so `kaudit rules schema` can print it as a file', () => {
    expect(JSON.parse(JSON.stringify(RULE_FILE_SCHEMA))).toEqual(RULE_FILE_SCHEMA);
  });
});
