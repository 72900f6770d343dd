/**
 * Validates one parsed rule file: its shape against {@link RULE_FILE_SCHEMA} (ajv), then what a
 * schema cannot say. Every problem is reported, each with a JSON pointer, the rule's name and what
 * was expected, so a file can be fixed in one pass.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { MESSAGE_VARIABLES, templateNames } from '../alert/message-template.js';
import { DERIVED_FACTS, isDerivedFact } from '../event/derived-facts.js';
import { FORBIDDEN_KEYS, factPathProblem } from '../event/fact-path.js';
import { closest } from './closest-name.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import {
  childPointer,
  compareDocumentOrder,
  isWithinPointer,
  jsonPointer,
  pointerSegments,
  valueAtPointer,
} from './json-pointer.js';
import { dirname, resolve } from 'node:path';
import type {
  Condition,
  RuleDefinition,
  RuleSpec,
  RuleTestCase,
  RuleTestSpec,
  TopLevelCondition,
} from './rule-file.js';
import { RULE_FILE_SCHEMA, RULE_NAME_PATTERN, SHARED_NAME_PATTERN } from './rule-file-schema.js';
import type { RuleProblem } from './rule-problem.js';

/** What {@link validateRuleFile} found: the problems, and the parts of the file that have none. */
export interface RuleFileValidation {
  /** Every problem of the file; empty when it is valid. */
  problems: RuleProblem[];
  /** The rules without problems, converted (durations in ms, defaults filled in), in file order. */
  rules: RuleSpec[];
  /** The lists without problems. */
  lists: Record<string, unknown[]>;
  /** The shared conditions without problems. */
  conditions: Record<string, Condition>;
  /** The inline test cases without problems, in file order. */
  tests: RuleTestSpec[];
  /** Set when the file is an environment profile (it has `profile`): its name and description. */
  profile?: { name: string; description?: string };
}

/** Options of {@link validateRuleFile}. */
export interface ValidateRuleFileOptions {
  /**
   * Shared condition names defined by the other files loaded with this one: shared conditions are
   * global, so `{ "condition": "x" }` may name one of them. Without it, only this file's count.
   */
  knownConditions?: ReadonlySet<string>;
  /**
   * Rule names defined by every file loaded with this one: a test case's `rules` may name any of
   * them. Without it, only this file's rules count.
   */
  knownRules?: ReadonlySet<string>;
}

/** A problem before it gets its file and rule name. */
interface Finding {
  pointer: string;
  message: string;
  /** The ajv keyword, when the finding comes from the schema. */
  keyword?: string;
  /** For `required`: the missing property. */
  missing?: string;
  /** For `additionalProperties`: the property it probably was meant to be. */
  meant?: string;
}

/**
 * Deeper documents are refused before ajv sees them: validation (and the compiler after it)
 * recurse, and no sensible rule file comes close.
 */
const MAX_DEPTH = 100;

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property, never one inherited from a prototype. */
function own(value: Record<string, unknown>, key: string): unknown {
  return hasOwn(value, key) ? value[key] : undefined;
}

let compiled: ValidateFunction | undefined;

/** The compiled schema, built on first use (compiling costs a few milliseconds). */
function schemaValidator(): ValidateFunction {
  // verbose: errors carry the failing data and their parent schema, which the messages and the
  // condition collapsing below rely on. allowUnionTypes: list items are string | number | boolean.
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(
    RULE_FILE_SCHEMA,
  );
  return compiled;
}

/**
 * Validates a parsed rule file. Never throws: a file that is not even an object is one problem.
 * Operator-level checks (unknown operators, values, regular expressions, CIDRs, cycles) are the
 * compiler's `ruleSetProblems`, which `parseRuleSet` and `loadRuleFiles` also run.
 *
 * @param json the parsed file (`JSON.parse` output or an equivalent object).
 * @param file the name used in problems (usually the path).
 * @example
 * const { problems, rules } = validateRuleFile(JSON.parse(text), 'rules/secrets.json');
 */
export function validateRuleFile(
  json: unknown,
  file: string,
  options: ValidateRuleFileOptions = {},
): RuleFileValidation {
  const result: RuleFileValidation = { problems: [], rules: [], lists: {}, conditions: {}, tests: [] };
  if (depthExceeds(json, MAX_DEPTH)) {
    result.problems.push({ file, pointer: '', message: `the file is nested deeper than ${MAX_DEPTH} levels` });
    return result;
  }

  const findings: Finding[] = [];
  const validate = schemaValidator();
  if (!validate(json)) findings.push(...tidy(explainSchemaErrors(validate.errors ?? [], json)));
  // A value the schema already refused is not reported again by the semantic checks.
  const refused = new Set(findings.map((f) => f.pointer));
  for (const f of semanticFindings(json, options)) if (!refused.has(f.pointer)) findings.push(f);

  result.problems = sortFindings(findings, json).map((f) => toProblem(f, json, file));
  if (!isPlainObject(json)) return result;

  const clean = (pointer: string) => !findings.some((f) => isWithinPointer(f.pointer, pointer));
  const lists = own(json, 'lists');
  if (isPlainObject(lists)) {
    for (const [name, values] of Object.entries(lists)) {
      if (Array.isArray(values) && clean(jsonPointer('lists', name))) result.lists[name] = [...values];
    }
  }
  const conditions = own(json, 'conditions');
  if (isPlainObject(conditions)) {
    for (const [name, condition] of Object.entries(conditions)) {
      if (clean(jsonPointer('conditions', name))) result.conditions[name] = condition as Condition;
    }
  }
  const rules = own(json, 'rules');
  if (Array.isArray(rules)) {
    rules.forEach((rule, index) => {
      if (clean(jsonPointer('rules', index))) result.rules.push(toRuleSpec(rule as RuleDefinition, file, index));
    });
  }
  const profile = own(json, 'profile');
  if (typeof profile === 'string') {
    const description = own(json, 'description');
    result.profile = { name: profile, ...(typeof description === 'string' ? { description } : {}) };
  }
  const tests = own(json, 'tests');
  if (Array.isArray(tests)) {
    const fileRules = Array.isArray(rules)
      ? rules.flatMap((r: unknown) => (isPlainObject(r) && typeof r.name === 'string' ? [r.name] : []))
      : [];
    tests.forEach((test, index) => {
      if (clean(jsonPointer('tests', index)))
        result.tests.push(toTestSpec(test as RuleTestCase, file, index, fileRules));
    });
  }
  return result;
}

function toTestSpec(test: RuleTestCase, file: string, index: number, fileRules: string[]): RuleTestSpec {
  const spec: RuleTestSpec = {
    name: test.name,
    scope: [...(test.rules ?? fileRules)],
    scoped: test.rules !== undefined,
    expect: test.expect.map((e) => ({ ...e })),
    source: { file, index },
  };
  if (test.profile !== undefined) spec.profile = test.profile;
  if (test.events !== undefined) spec.events = test.events;
  if (test.eventsFile !== undefined) spec.eventsFile = resolve(dirname(file), test.eventsFile);
  return spec;
}

/** Converts a rule that passed validation: defaults filled in, durations in milliseconds. */
function toRuleSpec(rule: RuleDefinition, file: string, index: number): RuleSpec {
  const spec: RuleSpec = {
    name: rule.name,
    title: rule.title ?? rule.name,
    severity: rule.severity,
    tags: [...(rule.tags ?? [])],
    enabled: rule.enabled ?? true,
    conditions: rule.conditions ?? sequenceConditions(rule),
    source: { file, index },
  };
  if (rule.description !== undefined) spec.description = rule.description;
  if (rule.threshold) {
    const t = rule.threshold;
    spec.threshold = {
      count: t.count,
      within: parseDuration(t.within)!,
      withinText: t.within,
      groupBy: [...(t.groupBy ?? [])],
    };
    if (t.distinct !== undefined) spec.threshold.distinct = t.distinct;
  }
  if (rule.sequence) {
    spec.sequence = {
      within: parseDuration(rule.sequence.within)!,
      withinText: rule.sequence.within,
      steps: rule.sequence.steps.map((step) => ({
        ...(step.name !== undefined ? { name: step.name } : {}),
        conditions: step.conditions,
        key: [...(step.key ?? [])],
      })),
    };
  }
  if (rule.newTerm) {
    const n = rule.newTerm;
    spec.newTerm = {
      fields: [...n.fields],
      history: parseDuration(n.history)!,
      historyText: n.history,
      learnFor: n.learnFor !== undefined ? parseDuration(n.learnFor)! : 0,
    };
  }
  if (rule.suppress) {
    const s = rule.suppress;
    const lastStep = rule.sequence?.steps[rule.sequence.steps.length - 1];
    const key = s.key ?? rule.threshold?.groupBy ?? lastStep?.key ?? rule.newTerm?.fields ?? [];
    spec.suppress = { for: parseDuration(s.for)!, forText: s.for, key: [...key] };
  }
  if (rule.lateness !== undefined) spec.lateness = parseDuration(rule.lateness)!;
  if (rule.message !== undefined) spec.message = rule.message;
  return spec;
}

/**
 * What the evaluate stage tests for a sequence rule: any step. The compiler reports problems of step
 * `i` at `/rules/N/conditions/any/i`, which {@link sequenceStepPointer} maps back to the step.
 */
export function sequenceConditions(rule: {
  sequence?: { steps: Array<{ conditions: TopLevelCondition }> };
}): TopLevelCondition {
  return { any: (rule.sequence?.steps ?? []).map((step) => step.conditions) };
}

/** `/rules/N/conditions/any/I/rest` → `/rules/N/sequence/steps/I/conditions/rest`, for sequence rules' problems. */
export function sequenceStepPointer(pointer: string): string {
  return pointer.replace(/^(\/rules\/[0-9]+)\/conditions\/any\/([0-9]+)/, '$1/sequence/steps/$2/conditions');
}

/** The name of the rule a pointer lies in (`/rules/3/...`), when that rule has a string name. */
export function ruleNameAt(json: unknown, pointer: string): string | undefined {
  const [section, index] = pointerSegments(pointer);
  if (section !== 'rules' || index === undefined) return undefined;
  const name = valueAtPointer(json, jsonPointer('rules', index, 'name'));
  return typeof name === 'string' ? name : undefined;
}

function toProblem(finding: Finding, json: unknown, file: string): RuleProblem {
  const problem: RuleProblem = { file, pointer: finding.pointer, message: finding.message };
  const rule = ruleNameAt(json, finding.pointer);
  if (rule !== undefined) problem.rule = rule;
  return problem;
}

/** Findings in the order of the file, parents before children; stable for the same place. */
function sortFindings(findings: Finding[], json: unknown): Finding[] {
  return [...findings].sort((a, b) => compareDocumentOrder(json, a.pointer, b.pointer));
}

function depthExceeds(value: unknown, max: number): boolean {
  // Iterative, so that the check itself cannot overflow the stack.
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Schema errors -> readable findings

const DEFS = RULE_FILE_SCHEMA.definitions;

/** The branches of a condition's `oneOf`, by the key that announces each. */
const BRANCHES = {
  all: DEFS.allCondition,
  any: DEFS.anyCondition,
  not: DEFS.notCondition,
  condition: DEFS.conditionReference,
  fact: DEFS.factCondition,
} as const;
type Branch = keyof typeof BRANCHES;
const BOOLEAN_KEYS = ['all', 'any', 'not', 'condition'] as const;
const FACT_KEYS = ['fact', 'operator', 'value'] as const;

/**
 * Turns ajv errors into findings. A condition that matches none of its `oneOf` branches makes ajv
 * report every branch's complaint (five "must have required property" and a dozen "must NOT have
 * additional properties"). The author meant one branch, announced by its key (`all`, `any`, `not`,
 * `condition` or `fact`): only that branch's errors are kept, and a condition with no such key, or
 * several, becomes one finding.
 */
function explainSchemaErrors(errors: readonly ErrorObject[], root: unknown): Finding[] {
  const findings: Finding[] = [];
  // Failed condition locations, with the branch the author meant (undefined: already reported).
  const locations = new Map<string, Branch | undefined>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf' || locations.has(e.instancePath)) continue;
    const intent = conditionIntent(
      valueAtPointer(root, e.instancePath),
      e.instancePath,
      e.parentSchema === DEFS.topLevelCondition,
    );
    if ('message' in intent) findings.push({ pointer: e.instancePath, message: intent.message });
    locations.set(e.instancePath, 'branch' in intent ? intent.branch : undefined);
  }
  const ownerOf = (pointer: string): string | undefined => {
    let owner: string | undefined;
    for (const location of locations.keys()) {
      if (isWithinPointer(pointer, location) && (owner === undefined || location.length > owner.length))
        owner = location;
    }
    return owner;
  };

  for (const e of errors) {
    // oneOf: replaced above. propertyNames: its inner errors (which carry the name) say more.
    // if: the profile-or-rule-file switch at the root; the branch's own errors say what is wrong.
    if (e.keyword === 'oneOf' || e.keyword === 'propertyNames' || e.keyword === 'if') continue;
    const owner = ownerOf(e.instancePath);
    if (owner !== undefined) {
      const branch = locations.get(owner);
      if (branch === undefined) continue;
      const schema = BRANCHES[branch];
      if (e.instancePath === owner) {
        if (e.parentSchema !== schema) continue;
      } else {
        const key = pointerSegments(e.instancePath)[pointerSegments(owner).length]!;
        if (!hasOwn(schema.properties, key)) continue;
      }
    }
    findings.push(describeError(e));
  }
  return findings;
}

/** Which branch a condition was meant to be, or why none can be told. */
function conditionIntent(data: unknown, pointer: string, topLevel: boolean): { branch: Branch } | { message: string } {
  const what = pointer.startsWith('/conditions/')
    ? 'a shared condition'
    : topLevel
      ? "a rule's conditions"
      : 'a condition';
  const expected = topLevel
    ? 'exactly one of "all", "any", "not" or "condition"'
    : 'exactly one of "all", "any", "not", "condition", or a fact test ("fact", "operator" and "value")';
  if (!isPlainObject(data))
    return { message: `${what} must be an object with ${expected}; got ${describeValue(data)}` };

  const present: Branch[] = BOOLEAN_KEYS.filter((k) => hasOwn(data, k));
  if (FACT_KEYS.some((k) => hasOwn(data, k))) present.push('fact');
  const name = (b: Branch) => (b === 'fact' ? 'a fact test' : `"${b}"`);

  if (present.length === 0) {
    const keys = Object.keys(data);
    const known: readonly string[] = topLevel ? BOOLEAN_KEYS : [...BOOLEAN_KEYS, ...FACT_KEYS];
    let hint = '';
    for (const key of keys) {
      const guess = closest(key, known);
      if (guess !== undefined) {
        hint = ` (did you mean "${guess}" instead of "${key}"?)`;
        break;
      }
    }
    const found = keys.length > 0 ? keys.map((k) => `"${k}"`).join(', ') : 'an empty object';
    return { message: `${what} must have ${expected}; found ${found}${hint}` };
  }
  if (present.length > 1) {
    return { message: `${what} must have ${expected}; this one has ${present.map(name).join(' and ')}` };
  }
  if (topLevel && present[0] === 'fact') {
    return {
      message: `${what} must have ${expected} at the top (as json-rules-engine requires); put this fact test inside { "all": [ ... ] }`,
    };
  }
  return { branch: present[0]! };
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

const PATTERN_WORDS: Record<string, string> = {
  [RULE_NAME_PATTERN]: 'lower-case kebab-case (letters a-z, digits and "-", not starting with "-")',
  [DURATION_PATTERN]: 'a duration such as 500ms, 30s, 1m, 1.5h, 2d or 1h30m',
  [SHARED_NAME_PATTERN]: 'a letter followed by letters, digits, "_" or "-" (no dots)',
};

function typeWords(type: unknown): string {
  const types = String(type).split(',');
  if (types.length === 1) return TYPE_WORDS[types[0]!] ?? types[0]!;
  return `a ${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`;
}

/** A short rendering of a value for "got ..." */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * How a location is named in messages: `the rule`, `severity`, `threshold.within`, `tags[1]`,
 * `all[0]` (inside conditions, only the last step: the pointer says the rest).
 */
function labelOf(pointer: string): string {
  const segments = pointerSegments(pointer);
  const step = (s: string, i: number) => (/^[0-9]+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`);
  if (segments.length === 0) return 'the rule file';
  const [section, name] = segments;
  if (segments.length === 2 && section === 'rules') return 'the rule';
  if (segments.length === 2 && section === 'lists') return `list "${name}"`;
  if (segments.length === 2 && section === 'conditions') return `shared condition "${name}"`;
  if (section === 'rules' && !segments.slice(2).includes('conditions')) return segments.slice(2).map(step).join('');
  if (section === 'tests' && segments.length === 2) return `test case ${name}`;
  if (section === 'tests') return segments.slice(2).map(step).join('');
  if (section === 'lists') return `list "${name}" item ${segments.slice(2).join('/')}`;
  const last = segments[segments.length - 1]!;
  return /^[0-9]+$/.test(last) ? `${segments[segments.length - 2]}[${last}]` : last;
}

function describeError(e: ErrorObject): Finding {
  const params = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) return describeNameError(e, e.propertyName);
  const pointer = e.instancePath;
  const label = labelOf(pointer);
  const finding = (message: string, at = pointer): Finding => ({ pointer: at, message, keyword: e.keyword });
  switch (e.keyword) {
    case 'type':
      return finding(`${label} must be ${typeWords(params.type)}; got ${describeValue(e.data)}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : '';
      return finding(`${label} must be one of ${allowed.join(', ')}; got ${describeValue(e.data)}${hint}`);
    }
    case 'required': {
      const missing = String(params.missingProperty);
      return { ...finding(`${label} is missing the required property "${missing}"`), missing };
    }
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      const parent = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parent?.properties ?? {});
      const guess = closest(property, allowed);
      const hint =
        guess !== undefined
          ? ` (did you mean "${guess}"?)`
          : allowed.length > 0
            ? `; expected one of ${allowed.join(', ')}`
            : '';
      const found = finding(`unknown property "${property}"${hint}`, childPointer(pointer, property));
      return guess !== undefined ? { ...found, meant: guess } : found;
    }
    case 'pattern': {
      const words = PATTERN_WORDS[String(params.pattern)] ?? `text matching ${String(params.pattern)}`;
      return finding(`${label} must be ${words}; got ${describeValue(e.data)}`);
    }
    case 'minItems':
      return finding(`${label} must have at least ${String(params.limit)} item(s); got ${describeValue(e.data)}`);
    case 'minimum':
      return finding(`${label} must be at least ${String(params.limit)}; got ${describeValue(e.data)}`);
    case 'minLength':
      return finding(
        params.limit === 1
          ? `${label} must not be empty`
          : `${label} must be at least ${String(params.limit)} characters long`,
      );
    default:
      return finding(`${label} ${e.message ?? 'is invalid'}`);
  }
}

/** An error about a list or shared condition name (ajv `propertyNames`). */
function describeNameError(e: ErrorObject, name: string): Finding {
  const pointer = childPointer(e.instancePath, name);
  const kind = pointerSegments(e.instancePath)[0] === 'lists' ? 'list name' : 'shared condition name';
  const params = e.params as Record<string, unknown>;
  // "__proto__" fails both the pattern and the `not`: one message, the one that says why.
  if (FORBIDDEN_KEYS.has(name)) {
    return {
      pointer,
      keyword: e.keyword,
      message: `${kind} "${name}" is not allowed: it is a JavaScript prototype key`,
    };
  }
  if (e.keyword === 'pattern') {
    const words = PATTERN_WORDS[String(params.pattern)] ?? `text matching ${String(params.pattern)}`;
    return { pointer, keyword: e.keyword, message: `${kind} must be ${words}; got ${describeValue(name)}` };
  }
  return { pointer, keyword: e.keyword, message: `${kind} "${name}" ${e.message ?? 'is invalid'}` };
}

/**
 * Removes repeats and consequences: a value that fails its enum also fails its type (the enum says
 * more), other complaints about a value of the wrong type add nothing, and `severty` reported as
 * unknown (did you mean "severity"?) already explains the missing `severity`.
 */
function tidy(findings: Finding[]): Finding[] {
  const enumed = new Set(findings.filter((f) => f.keyword === 'enum').map((f) => f.pointer));
  const typed = new Set(findings.filter((f) => f.keyword === 'type' && !enumed.has(f.pointer)).map((f) => f.pointer));
  const misspelt = new Set(
    findings.filter((f) => f.meant !== undefined).map((f) => `${parentPointer(f.pointer)}\u0000${f.meant}`),
  );
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.keyword === 'type' && enumed.has(f.pointer)) return false;
    if (f.keyword !== 'type' && typed.has(f.pointer)) return false;
    if (f.missing !== undefined && misspelt.has(`${f.pointer}\u0000${f.missing}`)) return false;
    const key = `${f.pointer}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

// ---------------------------------------------------------------------------------------------
// What the schema cannot express

/**
 * Semantic checks. They read the document defensively (it may have failed the schema) and look
 * only at values of the right type; the schema reports the rest.
 */
function semanticFindings(json: unknown, options: ValidateRuleFileOptions): Finding[] {
  const findings: Finding[] = [];
  if (!isPlainObject(json)) return findings;
  const push = (pointer: string, message: string) => findings.push({ pointer, message });

  const lists = own(json, 'lists');
  if (isPlainObject(lists)) {
    for (const name of Object.keys(lists)) {
      if (isDerivedFact(name)) {
        push(
          jsonPointer('lists', name),
          `list "${name}" has the name of a derived fact and would hide it; rename the list (derived facts: ${Object.keys(DERIVED_FACTS).join(', ')})`,
        );
      }
    }
  }

  const sharedConditions = own(json, 'conditions');
  const ownConditions = isPlainObject(sharedConditions) ? Object.keys(sharedConditions) : [];
  const known = new Set([...ownConditions, ...(options.knownConditions ?? [])]);
  const checkFact = (path: unknown, pointer: string) => {
    if (typeof path !== 'string') return;
    const problem = factPathProblem(path);
    if (problem !== undefined) push(pointer, `invalid fact: ${problem}`);
  };
  const walkCondition = (condition: unknown, pointer: string): void => {
    if (!isPlainObject(condition)) return;
    for (const op of ['all', 'any'] as const) {
      const list = own(condition, op);
      if (Array.isArray(list)) list.forEach((sub, i) => walkCondition(sub, childPointer(pointer, op, i)));
    }
    if (hasOwn(condition, 'not')) walkCondition(condition.not, childPointer(pointer, 'not'));
    const reference = own(condition, 'condition');
    if (typeof reference === 'string' && reference.length > 0 && !known.has(reference)) {
      const guess = closest(reference, [...known]);
      const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : '';
      push(
        childPointer(pointer, 'condition'),
        `unknown shared condition "${reference}"${hint}; define it under "conditions" in this or another loaded rule file`,
      );
    }
    checkFact(own(condition, 'fact'), childPointer(pointer, 'fact'));
    // json-rules-engine reads a value object with a "fact" key as a reference to that fact.
    const value = own(condition, 'value');
    if (isPlainObject(value) && hasOwn(value, 'fact')) {
      const at = childPointer(pointer, 'value', 'fact');
      if (typeof value.fact === 'string') checkFact(value.fact, at);
      else
        push(at, `a fact reference's "fact" must be a string naming a fact or list; got ${describeValue(value.fact)}`);
    }
  };
  const checkDuration = (text: unknown, pointer: string, zeroAllowed = false) => {
    if (typeof text !== 'string') return;
    const ms = parseDuration(text);
    if (ms === undefined) {
      push(
        pointer,
        `${labelOf(pointer)} "${text}" is not a valid duration: units go from largest to smallest, each once (d, h, m, s, ms), as in 1h30m`,
      );
    } else if (ms <= 0 && !zeroAllowed) {
      push(pointer, `${labelOf(pointer)} must be longer than zero; got "${text}"`);
    }
  };
  const checkFactList = (list: unknown, pointer: string) => {
    if (Array.isArray(list)) list.forEach((path, i) => checkFact(path, childPointer(pointer, i)));
  };

  if (isPlainObject(sharedConditions)) {
    for (const [name, condition] of Object.entries(sharedConditions))
      walkCondition(condition, jsonPointer('conditions', name));
  }

  const rules = own(json, 'rules');
  if (!Array.isArray(rules)) return findings;
  const firstIndex = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!isPlainObject(rule)) return;
    const at = (...segments: Array<string | number>) => jsonPointer('rules', index, ...segments);
    const name = own(rule, 'name');
    if (typeof name === 'string') {
      const first = firstIndex.get(name);
      if (first === undefined) firstIndex.set(name, index);
      else push(at('name'), `duplicate rule name "${name}": the rule at ${jsonPointer('rules', first)} has it too`);
    }
    walkCondition(own(rule, 'conditions'), at('conditions'));
    checkRuleKind(rule, at, push);
    const sequence = own(rule, 'sequence');
    if (isPlainObject(sequence)) {
      checkDuration(own(sequence, 'within'), at('sequence', 'within'));
      const steps = own(sequence, 'steps');
      if (Array.isArray(steps)) {
        let firstKeyLength: number | undefined;
        const stepNames = new Map<string, number>();
        steps.forEach((step: unknown, i) => {
          if (!isPlainObject(step)) return;
          walkCondition(own(step, 'conditions'), at('sequence', 'steps', i, 'conditions'));
          const key = own(step, 'key');
          checkFactList(key, at('sequence', 'steps', i, 'key'));
          const length = Array.isArray(key) ? key.length : key === undefined ? 0 : undefined;
          if (length !== undefined) {
            if (firstKeyLength === undefined) firstKeyLength = length;
            else if (length !== firstKeyLength) {
              push(
                at('sequence', 'steps', i, key === undefined ? '' : 'key').replace(/\/$/, ''),
                `step ${i} has ${length} key fact(s) but the first step has ${firstKeyLength}: every step's key lists the same values, in the same order (the paths may differ)`,
              );
            }
          }
          const stepName = own(step, 'name');
          if (typeof stepName === 'string') {
            const first = stepNames.get(stepName);
            if (first !== undefined)
              push(at('sequence', 'steps', i, 'name'), `duplicate step name "${stepName}": step ${first} has it too`);
            else stepNames.set(stepName, i);
          }
        });
      }
    }
    const newTerm = own(rule, 'newTerm');
    if (isPlainObject(newTerm)) {
      checkFactList(own(newTerm, 'fields'), at('newTerm', 'fields'));
      checkDuration(own(newTerm, 'history'), at('newTerm', 'history'));
      checkDuration(own(newTerm, 'learnFor'), at('newTerm', 'learnFor'), true);
    }
    const threshold = own(rule, 'threshold');
    if (isPlainObject(threshold)) {
      checkDuration(own(threshold, 'within'), at('threshold', 'within'));
      checkFactList(own(threshold, 'groupBy'), at('threshold', 'groupBy'));
      checkFact(own(threshold, 'distinct'), at('threshold', 'distinct'));
    }
    const suppress = own(rule, 'suppress');
    if (isPlainObject(suppress)) {
      checkDuration(own(suppress, 'for'), at('suppress', 'for'));
      checkFactList(own(suppress, 'key'), at('suppress', 'key'));
    }
    checkDuration(own(rule, 'lateness'), at('lateness'), true);
    const message = own(rule, 'message');
    if (typeof message === 'string') {
      for (const placeholder of templateNames(message)) {
        if (MESSAGE_VARIABLES.has(placeholder)) continue;
        const problem = factPathProblem(placeholder);
        if (problem !== undefined) push(at('message'), `placeholder {{${placeholder}}}: ${problem}`);
      }
    }
  });
  checkTests(json, rules, options, push);
  return findings;
}

/** A rule has `conditions` or a `sequence` (not both), and only the combinations that mean something. */
function checkRuleKind(
  rule: Record<string, unknown>,
  at: (...segments: Array<string | number>) => string,
  push: (pointer: string, message: string) => void,
): void {
  const has = (key: string) => hasOwn(rule, key);
  // A misspelt "condtions" is reported as unknown with a "did you mean"; saying it is missing adds nothing.
  const misspelt = Object.keys(rule).some((k) => closest(k, ['conditions', 'sequence']) !== undefined);
  if (!has('conditions') && !has('sequence') && !misspelt) {
    push(at(), 'the rule is missing the required property "conditions" (or a "sequence" instead)');
  }
  if (has('conditions') && has('sequence')) {
    push(
      at('sequence'),
      'a rule has either "conditions" or a "sequence", not both: a sequence\'s conditions are its steps\'',
    );
  }
  if (has('sequence') && has('threshold'))
    push(at('threshold'), 'a sequence rule cannot have a threshold: it fires once per completed sequence');
  if (has('sequence') && has('newTerm'))
    push(at('newTerm'), 'newTerm needs "conditions"; it cannot be combined with a sequence');
  if (has('newTerm') && has('threshold'))
    push(at('threshold'), 'a newTerm rule cannot have a threshold: it fires on the first event of a new term');
}

/**
 * Test cases: `events` or `eventsFile` (one of them), names unique in the file, `rules` naming loaded
 * rules, and `expect` naming only rules in the case's scope (anything else could never be met).
 */
function checkTests(
  json: Record<string, unknown>,
  rules: unknown[],
  options: ValidateRuleFileOptions,
  push: (pointer: string, message: string) => void,
): void {
  const tests = own(json, 'tests');
  if (!Array.isArray(tests)) return;
  const fileRules = rules.flatMap((r: unknown) => (isPlainObject(r) && typeof r.name === 'string' ? [r.name] : []));
  const known = new Set([...fileRules, ...(options.knownRules ?? [])]);
  const names = new Map<string, number>();
  tests.forEach((test: unknown, index) => {
    if (!isPlainObject(test)) return;
    const at = (...segments: Array<string | number>) => jsonPointer('tests', index, ...segments);
    const name = own(test, 'name');
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first !== undefined)
        push(at('name'), `duplicate test name "${name}": the test at ${jsonPointer('tests', first)} has it too`);
      else names.set(name, index);
    }
    const hasEvents = hasOwn(test, 'events');
    const hasFile = hasOwn(test, 'eventsFile');
    if (hasEvents === hasFile) {
      push(
        hasEvents ? at('eventsFile') : at(),
        hasEvents
          ? 'a test case has "events" or "eventsFile", not both'
          : 'the test case needs its events: "events" (inline) or "eventsFile" (a path relative to this file)',
      );
    }
    const scoped = own(test, 'rules');
    let scope: string[] = fileRules;
    if (Array.isArray(scoped)) {
      scope = [];
      scoped.forEach((rule: unknown, i) => {
        if (typeof rule !== 'string') return;
        scope.push(rule);
        if (!known.has(rule)) {
          const guess = closest(rule, [...known]);
          const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : '';
          push(at('rules', i), `unknown rule "${rule}"${hint}; a test case can scope any loaded rule`);
        }
      });
    }
    const expected = own(test, 'expect');
    if (!Array.isArray(expected)) return;
    const inScope = new Set(scope);
    expected.forEach((e: unknown, i) => {
      if (!isPlainObject(e)) return;
      const rule = own(e, 'rule');
      if (typeof rule !== 'string' || inScope.has(rule)) return;
      const where = Array.isArray(scoped)
        ? 'the case\'s "rules"'
        : 'this file (set "rules" to test a rule of another file)';
      push(at('expect', i, 'rule'), `rule "${rule}" is not in the scope of this case: ${where}`);
    });
    const key = (e: unknown) => (isPlainObject(e) ? own(e, 'key') : undefined);
    expected.forEach((e: unknown, i) => {
      const k = key(e);
      if (isPlainObject(k))
        for (const fact of Object.keys(k)) {
          const problem = factPathProblem(fact);
          if (problem !== undefined) push(at('expect', i, 'key', fact), `invalid fact: ${problem}`);
        }
    });
  });
}
