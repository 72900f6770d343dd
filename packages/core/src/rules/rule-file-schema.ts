/**
 * The JSON Schema of a rule file. It lives in TypeScript (the build is tsc only, which does not
 * copy `.json` files); `kaudit rules schema` prints it for editors. Draft-07, because it is what
 * ajv and editors (VS Code's JSON support among them) understand best.
 *
 * The schema checks shape only. What it cannot say (durations that do not parse, duplicate names,
 * fact paths, references to shared conditions) is checked by `validateRuleFile`.
 */
import { FORBIDDEN_KEYS } from '../event/fact-path.js';
import { DURATION_PATTERN } from './duration.js';
import { SEVERITIES } from './rule-file.js';

/** What a rule name looks like: lower-case kebab-case, so it is safe in alert ids, URLs and metrics. */
export const RULE_NAME_PATTERN = '^[a-z0-9][a-z0-9-]*$';

/**
 * What a list or shared condition name looks like. No dots: a list becomes a fact, and a dotted fact
 * name would be read as a path into the event.
 */
export const SHARED_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';

const PRIORITY = {
  type: 'integer',
  minimum: 1,
  description: 'json-rules-engine evaluation priority: higher runs first (optional; default 1).',
} as const;

const CONDITION_NAME = {
  type: 'string',
  description: 'A name for this condition, reported by json-rules-engine in its results (optional).',
} as const;

/** The JSON Schema (draft-07) of a kaudit rule file, or of an environment profile (a file with `profile`). */
export const RULE_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'kaudit rule file',
  description:
    'Rules that turn Kubernetes audit events into security alerts (conditions are json-rules-engine conditions, unchanged), or an environment profile when the file has "profile".',
  if: {
    type: 'object',
    required: ['profile'],
    properties: { profile: { description: 'Present only in environment profiles.' } },
  },
  then: { $ref: '#/definitions/profileFile' },
  else: { $ref: '#/definitions/ruleFile' },
  definitions: {
    ruleFile: {
      type: 'object',
      description: 'A rule file: lists, shared conditions, rules and their inline tests.',
      required: ['rules'],
      additionalProperties: false,
      properties: {
        $schema: {
          type: 'string',
          description: 'The JSON Schema of this file (for editors); kaudit ignores it.',
        },
        lists: {
          type: 'object',
          description:
            'Named lists of constant values. Each becomes a fact, so a condition can use it: "value": { "fact": "system-users" }. Lists are shared by every loaded rule file.',
          propertyNames: { $ref: '#/definitions/sharedName' },
          additionalProperties: { $ref: '#/definitions/listValues' },
        },
        conditions: {
          type: 'object',
          description:
            'Named shared conditions, used from rules as { "condition": "name" } (json-rules-engine shared conditions). Shared by every loaded rule file.',
          propertyNames: { $ref: '#/definitions/sharedName' },
          additionalProperties: { $ref: '#/definitions/topLevelCondition' },
        },
        rules: {
          type: 'array',
          description: 'The rules of this file.',
          items: { $ref: '#/definitions/rule' },
        },
        tests: {
          type: 'array',
          description:
            'Inline test cases, run by `kaudit rules test`: events go through every loaded rule, and the alerts of the rules in scope must equal "expect".',
          items: { $ref: '#/definitions/testCase' },
        },
      },
    },
    profileFile: {
      type: 'object',
      description:
        'An environment profile (rules/profiles/NAME.json), selected with --profile NAME: its lists are appended to the lists of the same name.',
      required: ['profile', 'lists'],
      additionalProperties: false,
      properties: {
        $schema: {
          type: 'string',
          description: 'The JSON Schema of this file (for editors); kaudit ignores it.',
        },
        profile: {
          type: 'string',
          pattern: RULE_NAME_PATTERN,
          description: 'The profile name, equal to the file name without .json (eks, gke, aks, k3s, kind, kubeadm).',
        },
        description: {
          type: 'string',
          description: 'Which environment this profile is for and what it adds.',
        },
        lists: {
          type: 'object',
          description:
            "Values to append to the loaded rule files' lists of the same name (each list must exist in a rule file).",
          propertyNames: { $ref: '#/definitions/sharedName' },
          additionalProperties: { $ref: '#/definitions/listValues' },
        },
      },
    },
    listValues: {
      type: 'array',
      description: 'The values of the list: strings, numbers or booleans.',
      items: { type: ['string', 'number', 'boolean'] },
    },
    testCase: {
      type: 'object',
      description:
        'One test: its events (with defaults filled in) go through the whole rule set, then the alerts of the rules in scope must equal "expect" as a multiset.',
      required: ['name', 'expect'],
      additionalProperties: false,
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          description: 'What the case shows, e.g. "exec by a person alerts"; unique in the file.',
        },
        rules: {
          type: 'array',
          minItems: 1,
          description:
            'Whose alerts are compared (default: every rule of this file). A rule named here and not expected must stay quiet: that is its quiet case for coverage.',
          items: { type: 'string', pattern: RULE_NAME_PATTERN },
        },
        profile: {
          type: ['string', 'null'],
          pattern: RULE_NAME_PATTERN,
          description:
            'Run this case with that environment profile (rules/profiles/NAME.json); null: always without one, even under `kaudit rules test --profile`. Default: the profile of the run.',
        },
        events: {
          type: 'array',
          description:
            'Audit events, partial: apiVersion, kind, level (Metadata), stage (ResponseComplete) and auditID are filled in, and without timestamps both are 2026-01-01T00:00:00Z plus the index in seconds.',
          items: { type: 'object' },
        },
        eventsFile: {
          type: 'string',
          minLength: 1,
          description:
            'Instead of "events": a file of audit events (JSON lines, a JSON event or array, or an EventList), relative to this rule file.',
        },
        expect: {
          type: 'array',
          description: 'The alerts expected from the rules in scope, as a multiset; [] means none of them fires.',
          items: { $ref: '#/definitions/expectedAlert' },
        },
      },
    },
    expectedAlert: {
      type: 'object',
      description: 'One expected alert: its rule, and optionally its final count and some of its key values.',
      required: ['rule'],
      additionalProperties: false,
      properties: {
        rule: {
          type: 'string',
          pattern: RULE_NAME_PATTERN,
          description: 'The rule that raises it.',
        },
        count: {
          type: 'integer',
          minimum: 1,
          description: "The alert's final count (events it stands for, roll-ups included).",
        },
        key: {
          type: 'object',
          description:
            'Key facts and values the alert must have, e.g. { "user.username": "alice" } (a subset of its key).',
        },
      },
    },
    sharedName: {
      type: 'string',
      description: 'A list or shared condition name: a letter, then letters, digits, "_" or "-".',
      pattern: SHARED_NAME_PATTERN,
      not: { enum: [...FORBIDDEN_KEYS] },
    },
    factPath: {
      type: 'string',
      minLength: 1,
      description:
        'A fact: an audit event field by its dotted path (user.username, objectRef.resource; escape a literal dot as \\.), a derived fact (sourceIP, isServiceAccount, ...) or a list name.',
    },
    duration: {
      type: 'string',
      pattern: DURATION_PATTERN,
      description: 'A duration: 500ms, 30s, 1m, 1.5h, 2d or 1h30m (units d, h, m, s, ms; largest first).',
      examples: ['30s', '1m', '10m', '1h30m'],
    },
    rule: {
      type: 'object',
      description: 'One rule: when its conditions match (and its threshold is reached), it raises an alert.',
      required: ['name', 'severity'],
      additionalProperties: false,
      properties: {
        name: {
          type: 'string',
          pattern: RULE_NAME_PATTERN,
          description:
            'Unique id of the rule across all loaded files: lower-case letters, digits and "-" (kebab-case).',
        },
        title: {
          type: 'string',
          minLength: 1,
          description: 'Short human title shown in alerts (default: the name).',
        },
        description: {
          type: 'string',
          description: 'What the rule detects and why it matters; for documentation.',
        },
        severity: {
          type: 'string',
          enum: [...SEVERITIES],
          description: 'How serious an alert is: info, low, medium, high or critical.',
        },
        tags: {
          type: 'array',
          description: 'Free-form tags (e.g. MITRE tactics) used for routing and filtering.',
          items: { type: 'string', minLength: 1 },
        },
        enabled: {
          type: 'boolean',
          description: 'false keeps the rule loaded and validated but never evaluated (default true).',
        },
        conditions: {
          $ref: '#/definitions/topLevelCondition',
          description:
            'When the rule matches: json-rules-engine conditions with exactly one of "all", "any", "not" or "condition" at the top. Required unless the rule has a sequence.',
        },
        sequence: {
          $ref: '#/definitions/sequence',
          description:
            'Instead of conditions: fire when events match these steps in event-time order, with equal keys, the last within "within" of the first.',
        },
        newTerm: {
          $ref: '#/definitions/newTerm',
          description:
            'With conditions: fire only when the combination of these facts\' values was not seen within "history" before.',
        },
        threshold: {
          $ref: '#/definitions/threshold',
          description:
            'Fire only when one group has count matching events (or count distinct values) within a time window.',
        },
        suppress: {
          $ref: '#/definitions/suppress',
          description: 'Roll later alerts with the same key into the first one for a while.',
        },
        lateness: {
          $ref: '#/definitions/duration',
          description:
            "How late this rule's matches may arrive and still be ordered by event time (default: the pipeline's, 5m). Lower it to alert sooner; 0s alerts at once, giving up order-independence.",
        },
        message: {
          type: 'string',
          minLength: 1,
          description:
            'Alert text template: {{fact}} placeholders over event facts, plus {{count}}, {{within}} and {{distinct}}.',
        },
      },
    },
    threshold: {
      type: 'object',
      description:
        'Fire when, within a sliding window of event time, one group has count matching events (or count distinct values of distinct).',
      required: ['count', 'within'],
      additionalProperties: false,
      properties: {
        count: {
          type: 'integer',
          minimum: 1,
          description: 'How many matching events (or distinct values) fire the rule.',
        },
        within: {
          $ref: '#/definitions/duration',
          description: 'The window length, on event time: 30s, 1m, 1h30m, ...',
        },
        groupBy: {
          type: 'array',
          description: 'Facts whose values make a group; each group is counted on its own (default: one group).',
          items: { $ref: '#/definitions/factPath' },
        },
        distinct: {
          $ref: '#/definitions/factPath',
          description: 'Count distinct values of this fact instead of events.',
        },
      },
    },
    sequence: {
      type: 'object',
      description: 'Steps matched in event-time order, correlated by their keys, all within "within".',
      required: ['within', 'steps'],
      additionalProperties: false,
      properties: {
        within: {
          $ref: '#/definitions/duration',
          description: 'The longest time (event time) from the first step to the last.',
        },
        steps: {
          type: 'array',
          minItems: 2,
          description: 'Two or more steps, in the order they must happen.',
          items: { $ref: '#/definitions/sequenceStep' },
        },
      },
    },
    sequenceStep: {
      type: 'object',
      description: "One step of a sequence: its conditions and the facts whose values must equal the first step's.",
      required: ['conditions'],
      additionalProperties: false,
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          description: 'A name for the step (e.g. "grant", "use"), for people.',
        },
        conditions: {
          $ref: '#/definitions/topLevelCondition',
          description: 'What an event must match to be this step (json-rules-engine conditions).',
        },
        key: {
          type: 'array',
          description:
            "Facts whose values must equal the first step's key values, position by position; every step has as many. Paths may differ per step.",
          items: { $ref: '#/definitions/factPath' },
        },
      },
    },
    newTerm: {
      type: 'object',
      description: 'Fire on a combination of values not seen within "history" (event time); learn silently first.',
      required: ['fields', 'history'],
      additionalProperties: false,
      properties: {
        fields: {
          type: 'array',
          minItems: 1,
          description: 'Facts whose values make the term; an event lacking any of them is ignored.',
          items: { $ref: '#/definitions/factPath' },
        },
        history: {
          $ref: '#/definitions/duration',
          description: 'How long a term stays known after it was last seen: 7d.',
        },
        learnFor: {
          $ref: '#/definitions/duration',
          description: "Learn terms silently for this long (event time) after the rule's first match (default 0s).",
        },
      },
    },
    suppress: {
      type: 'object',
      description: 'After an alert, later alerts with the same key within "for" roll up into it.',
      required: ['for'],
      additionalProperties: false,
      properties: {
        for: {
          $ref: '#/definitions/duration',
          description: 'How long later alerts with the same key roll up: 10m, 1h, ...',
        },
        key: {
          type: 'array',
          description: "Facts that make the key (default: the threshold's groupBy; none means one alert per rule).",
          items: { $ref: '#/definitions/factPath' },
        },
      },
    },
    topLevelCondition: {
      description:
        'json-rules-engine top-level conditions: exactly one of "all", "any", "not" or "condition" (a shared condition).',
      oneOf: [
        { $ref: '#/definitions/allCondition' },
        { $ref: '#/definitions/anyCondition' },
        { $ref: '#/definitions/notCondition' },
        { $ref: '#/definitions/conditionReference' },
      ],
    },
    condition: {
      description:
        'A json-rules-engine condition: "all", "any", "not", a shared "condition" reference, or a fact / operator / value test.',
      oneOf: [
        { $ref: '#/definitions/allCondition' },
        { $ref: '#/definitions/anyCondition' },
        { $ref: '#/definitions/notCondition' },
        { $ref: '#/definitions/conditionReference' },
        { $ref: '#/definitions/factCondition' },
      ],
    },
    allCondition: {
      type: 'object',
      description: 'Matches when every condition in "all" matches.',
      required: ['all'],
      additionalProperties: false,
      properties: {
        all: {
          type: 'array',
          description: 'Conditions that must all match.',
          items: { $ref: '#/definitions/condition' },
        },
        priority: PRIORITY,
        name: CONDITION_NAME,
      },
    },
    anyCondition: {
      type: 'object',
      description: 'Matches when at least one condition in "any" matches.',
      required: ['any'],
      additionalProperties: false,
      properties: {
        any: {
          type: 'array',
          description: 'Conditions of which at least one must match.',
          items: { $ref: '#/definitions/condition' },
        },
        priority: PRIORITY,
        name: CONDITION_NAME,
      },
    },
    notCondition: {
      type: 'object',
      description: 'Matches when the condition in "not" does not match.',
      required: ['not'],
      additionalProperties: false,
      properties: {
        not: {
          $ref: '#/definitions/condition',
          description: 'The condition that must not match (one condition, not an array).',
        },
        priority: PRIORITY,
        name: CONDITION_NAME,
      },
    },
    conditionReference: {
      type: 'object',
      description: 'Uses a shared condition from "conditions" (in this or another loaded file) by name.',
      required: ['condition'],
      additionalProperties: false,
      properties: {
        condition: {
          type: 'string',
          minLength: 1,
          description: 'The name of the shared condition.',
        },
        priority: PRIORITY,
        name: CONDITION_NAME,
      },
    },
    factCondition: {
      type: 'object',
      description: 'Compares a fact with a value using an operator, as json-rules-engine does.',
      required: ['fact', 'operator', 'value'],
      additionalProperties: false,
      properties: {
        fact: {
          $ref: '#/definitions/factPath',
          description:
            'The fact to test: an event field by dotted path (objectRef.resource), a derived fact or a list name.',
        },
        operator: {
          type: 'string',
          minLength: 1,
          description:
            'equal, notEqual, in, notIn, contains, doesNotContain, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, or a kaudit addition: startsWith, endsWith, matches, glob, intersects, exists, inCIDR.',
        },
        value: {
          description:
            'The value to compare with: any JSON value, or a fact reference such as { "fact": "system-users" }.',
        },
        path: {
          type: 'string',
          description: 'A JSONPath into the fact value, e.g. $.spec.containers[*].image on requestObject.',
        },
        params: {
          type: 'object',
          description: 'Parameters passed to a dynamic fact (json-rules-engine params).',
        },
        priority: PRIORITY,
        name: CONDITION_NAME,
      },
    },
  },
} as const;
