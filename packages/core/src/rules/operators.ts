/**
 * The operators of rule conditions: json-rules-engine 7.3.1's built-ins, re-implemented with the
 * exact same expressions (so they agree on every value, exceptions included), and kaudit's
 * additions, which the reference engine registers unchanged (see reference-engine.ts).
 *
 * An operator is used in one of two ways. When the condition's value is known at load time (a
 * literal, or a list), `bind(value)` checks it once and returns a one-argument test: this is how
 * the compiler runs almost every condition. When the value is only known per event (a fact
 * reference to an event field, or the fact side after `swap`), `evaluate(fact, value)` runs it the
 * way json-rules-engine's `Operator.evaluate` does.
 */
import ipaddr from 'ipaddr.js';
import { compileGlobList } from './glob.js';
import { compileSafeRegex, MATCH_INPUT_LIMIT, testCapped } from './safe-regex.js';

/** A comparison with its value bound at load time: fact value in, strict boolean out. */
export type FactTest = (factValue: unknown) => boolean;

/** A comparison as json-rules-engine runs it: `evaluate(factValue, value)`. */
export type Evaluate = (factValue: unknown, value: unknown) => boolean;

/** Why a value cannot be used with an operator. `at` points inside the value (array indexes). */
export interface ValueProblem {
  readonly problem: string;
  readonly at?: readonly (string | number)[];
}

/** An operator of rule conditions. */
export interface OperatorDefinition {
  readonly name: string;
  /** One line for the documentation. */
  readonly description: string;
  /** Checks a value known at load time and returns the test, or why the value cannot work. */
  bind(value: unknown): FactTest | ValueProblem;
  /**
   * Runs with a value known only per event (fact reference, `swap`), as json-rules-engine would.
   * `undefined` for operators that refuse such values (a pattern taken from event data would be
   * compiled per event, and a regex from an attacker is a ReDoS).
   */
  readonly evaluate: Evaluate | undefined;
  /**
   * Whether a test from `bind` / `evaluate` can throw. json-rules-engine's built-ins can on exotic
   * values (`lessThan` converts objects to strings; `in` calls `value.indexOf`); kaudit's never do.
   * The compiler uses this to skip evaluating siblings whose errors could not change anything.
   */
  readonly bindMayThrow: boolean;
  readonly evaluateMayThrow: boolean;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A short description of a value's type for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'nothing';
  return `a ${typeof value}`;
}

function isObjectLike(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

/** `value` as a non-empty list of strings (a single string is a list of one), or why not. */
function stringList(name: string, value: unknown): string[] | ValueProblem {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value))
    return { problem: `${name} needs a string or an array of strings; got ${describeType(value)}` };
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      return { problem: `${name} needs strings; got ${describeType(value[i])}`, at: [i] };
    }
  }
  return value as string[];
}

function isProblem(x: unknown): x is ValueProblem {
  return typeof x === 'object' && x !== null && 'problem' in x;
}

/** Runs a bind at run time: an unusable value makes the test false (kaudit operators never throw). */
function evaluateByBinding(bind: (value: unknown) => FactTest | ValueProblem): Evaluate {
  return (factValue, value) => {
    const test = bind(value);
    return typeof test === 'function' && test(factValue);
  };
}

// ---------------------------------------------------------------------------------------------
// json-rules-engine built-ins (engine-default-operators.js), same expressions, same validators

/** json-rules-engine's `numberValidator`. Throws, as it does, on objects that cannot become strings. */
function numberValidator(factValue: unknown): boolean {
  // Same answer (and the same throw, from parseFloat's string conversion) without number-to-string:
  // a number's text reads back as NaN only when it is NaN.
  if (typeof factValue === 'number') return factValue === factValue;
  return !Number.isNaN(Number.parseFloat(factValue as string));
}

function builtin(
  name: string,
  description: string,
  cb: Evaluate,
  validator: ((a: unknown) => boolean) | undefined,
  options: {
    checkValue?: (value: unknown) => string | undefined;
    bind?: (value: unknown) => FactTest;
    bindMayThrow: boolean;
    evaluateMayThrow: boolean;
  },
): OperatorDefinition {
  const evaluate: Evaluate = validator ? (a, b) => validator(a) && cb(a, b) : cb;
  return {
    name,
    description,
    evaluate,
    bindMayThrow: options.bindMayThrow,
    evaluateMayThrow: options.evaluateMayThrow,
    bind(value) {
      const problem = options.checkValue?.(value);
      if (problem !== undefined) return { problem };
      if (options.bind) return options.bind(value);
      return validator ? (a) => validator(a) && cb(a, value) : (a) => cb(a, value);
    },
  };
}

/** An object or array value is compared by identity, so it never equals anything from an event. */
function scalarValue(name: string) {
  return (value: unknown): string | undefined =>
    isObjectLike(value)
      ? `${name} compares with === (by identity): ${describeType(value)} value never equals a fact; use in, contains or intersects`
      : undefined;
}

function arrayValue(name: string) {
  return (value: unknown): string | undefined =>
    Array.isArray(value)
      ? undefined
      : `${name} needs an array of values (or a fact reference to a list); got ${describeType(value)}${typeof value === 'string' ? ' (a string would be searched for substrings)' : ''}`;
}

function numericValue(name: string) {
  return (value: unknown): string | undefined =>
    typeof value === 'number' || typeof value === 'string'
      ? undefined
      : `${name} needs a number (or a string, compared as text); got ${describeType(value)}`;
}

/** Membership in a constant array; a Set above a few elements (same answers for JSON values). */
function membership(values: readonly unknown[]): FactTest {
  if (values.length <= 8) return (a) => values.indexOf(a) > -1;
  const set = new Set(values);
  // Set.has uses SameValueZero: unlike indexOf it finds NaN. Rule values come from JSON and have
  // none, but the guard keeps the two exactly equal anyway.
  return (a) => set.has(a) && a === a;
}

const equal = builtin('equal', 'fact === value', (a, b) => a === b, undefined, {
  checkValue: scalarValue('equal'),
  bindMayThrow: false,
  evaluateMayThrow: false,
});
const notEqual = builtin('notEqual', 'fact !== value', (a, b) => a !== b, undefined, {
  checkValue: scalarValue('notEqual'),
  bindMayThrow: false,
  evaluateMayThrow: false,
});
const inOperator = builtin(
  'in',
  'the value (an array) holds the fact',
  (a, b) => (b as unknown[]).indexOf(a) > -1,
  undefined,
  {
    checkValue: arrayValue('in'),
    bind: (values) => membership(values as unknown[]),
    bindMayThrow: false,
    evaluateMayThrow: true,
  },
);
const notIn = builtin(
  'notIn',
  'the value (an array) does not hold the fact',
  (a, b) => (b as unknown[]).indexOf(a) === -1,
  undefined,
  {
    checkValue: arrayValue('notIn'),
    bind: (values) => {
      const test = membership(values as unknown[]);
      return (a) => !test(a);
    },
    bindMayThrow: false,
    evaluateMayThrow: true,
  },
);
const contains = builtin(
  'contains',
  'the fact (an array) holds the value',
  (a, b) => (a as unknown[]).indexOf(b) > -1,
  Array.isArray,
  {
    checkValue: (value) =>
      isObjectLike(value)
        ? `contains compares elements with ===: ${describeType(value)} value is never found`
        : undefined,
    bindMayThrow: false,
    evaluateMayThrow: false,
  },
);
const doesNotContain = builtin(
  'doesNotContain',
  'the fact (an array) does not hold the value',
  (a, b) => (a as unknown[]).indexOf(b) === -1,
  Array.isArray,
  {
    checkValue: (value) =>
      isObjectLike(value)
        ? `doesNotContain compares elements with ===: ${describeType(value)} value is never found`
        : undefined,
    bindMayThrow: false,
    evaluateMayThrow: false,
  },
);
const numericOptions = (name: string) => ({
  checkValue: numericValue(name),
  bindMayThrow: true,
  evaluateMayThrow: true,
});
const lessThan = builtin(
  'lessThan',
  'fact < value (the fact must read as a number)',
  (a, b) => (a as number) < (b as number),
  numberValidator,
  numericOptions('lessThan'),
);
const lessThanInclusive = builtin(
  'lessThanInclusive',
  'fact <= value (the fact must read as a number)',
  (a, b) => (a as number) <= (b as number),
  numberValidator,
  numericOptions('lessThanInclusive'),
);
const greaterThan = builtin(
  'greaterThan',
  'fact > value (the fact must read as a number)',
  (a, b) => (a as number) > (b as number),
  numberValidator,
  numericOptions('greaterThan'),
);
const greaterThanInclusive = builtin(
  'greaterThanInclusive',
  'fact >= value (the fact must read as a number)',
  (a, b) => (a as number) >= (b as number),
  numberValidator,
  numericOptions('greaterThanInclusive'),
);

/** json-rules-engine's own operators, which the reference engine already has. */
export const BUILTIN_OPERATORS: readonly OperatorDefinition[] = [
  equal,
  notEqual,
  inOperator,
  notIn,
  contains,
  doesNotContain,
  lessThan,
  lessThanInclusive,
  greaterThan,
  greaterThanInclusive,
];

// ---------------------------------------------------------------------------------------------
// kaudit's operators. Each returns a strict boolean and never throws, whatever the fact.

function kaudit(
  name: string,
  description: string,
  bind: (value: unknown) => FactTest | ValueProblem,
  runtimeValues: boolean,
): OperatorDefinition {
  return {
    name,
    description,
    bind,
    evaluate: runtimeValues ? evaluateByBinding(bind) : undefined,
    bindMayThrow: false,
    evaluateMayThrow: false,
  };
}

function stringTest(name: string, method: 'startsWith' | 'endsWith') {
  return (value: unknown): FactTest | ValueProblem => {
    const list = stringList(name, value);
    if (isProblem(list)) return list;
    if (list.length === 1) {
      const only = list[0]!;
      return (a) => typeof a === 'string' && a[method](only);
    }
    return (a) => {
      if (typeof a !== 'string') return false;
      for (let i = 0; i < list.length; i++) if (a[method](list[i]!)) return true;
      return false;
    };
  };
}

const startsWith = kaudit(
  'startsWith',
  'the fact (a string) starts with the value, or with one of the values (an array of strings)',
  stringTest('startsWith', 'startsWith'),
  true,
);
const endsWith = kaudit(
  'endsWith',
  'the fact (a string) ends with the value, or with one of the values (an array of strings)',
  stringTest('endsWith', 'endsWith'),
  true,
);

/** Tests with several compiled patterns: any may match. */
function anyRegex(regexes: RegExp[], test: (regex: RegExp, a: unknown) => boolean): FactTest {
  if (regexes.length === 1) {
    const only = regexes[0]!;
    return (a) => test(only, a);
  }
  return (a) => {
    for (let i = 0; i < regexes.length; i++) if (test(regexes[i]!, a)) return true;
    return false;
  };
}

const matches = kaudit(
  'matches',
  `the fact (a string, its first ${MATCH_INPUT_LIMIT} characters) matches the regular expression (JavaScript syntax, u flag, unanchored), or one of them; patterns that can backtrack catastrophically are refused`,
  (value) => {
    const list = stringList('matches', value);
    if (isProblem(list)) return list;
    const regexes: RegExp[] = [];
    for (let i = 0; i < list.length; i++) {
      const compiled = compileSafeRegex(list[i]);
      if ('problem' in compiled) return { problem: compiled.problem, at: Array.isArray(value) ? [i] : [] };
      regexes.push(compiled.regex);
    }
    return anyRegex(regexes, testCapped);
  },
  false,
);

const glob = kaudit(
  'glob',
  'the whole fact (a string) matches the glob, or one of them: * any characters, ? one character, the rest literal',
  (value) => {
    const list = stringList('glob', value);
    if (isProblem(list)) return list;
    const test = compileGlobList(list);
    return (a) => typeof a === 'string' && test(a);
  },
  false,
);

const intersects = kaudit(
  'intersects',
  'the fact (an array, or a single value) and the value (an array) have an element in common',
  (value) => {
    if (!Array.isArray(value)) return { problem: `intersects needs an array of values; got ${describeType(value)}` };
    for (let i = 0; i < value.length; i++) {
      if (isObjectLike(value[i])) {
        return { problem: `intersects compares elements with ===: ${describeType(value[i])} is never found`, at: [i] };
      }
    }
    const set = new Set<unknown>(value);
    return (a) => {
      if (!Array.isArray(a)) return set.has(a);
      for (let i = 0; i < a.length; i++) if (set.has(a[i])) return true;
      return false;
    };
  },
  true,
);

const exists = kaudit(
  'exists',
  'value true: the fact is present (null counts as present); value false: it is absent',
  (value) => {
    if (value === true) return (a) => a !== undefined;
    if (value === false) return (a) => a === undefined;
    return { problem: `exists needs true or false; got ${describeType(value)}` };
  },
  true,
);

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an address written the canonical way: four-part decimal IPv4, or IPv6 (an embedded IPv4
 * part must be four-part decimal too). ipaddr.js alone also reads `10`, `0x0a.1` or octal parts,
 * which API servers never write and which would let odd spellings dodge a rule.
 */
function parseAddress(text: string): Address | undefined {
  if (text.length > 64) return undefined;
  if (text.indexOf(':') < 0) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  if (text.indexOf('.') >= 0) {
    const zone = text.indexOf('%');
    const bare = zone < 0 ? text : text.slice(0, zone);
    if (!ipaddr.IPv4.isValidFourPartDecimal(bare.slice(bare.lastIndexOf(':') + 1))) return undefined;
  }
  return ipaddr.IPv6.parse(text);
}

/** An address as the fact side sees it: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is IPv4. */
function factAddress(value: unknown): Address | undefined {
  if (typeof value !== 'string') return undefined;
  const address = parseAddress(value);
  if (address !== undefined && address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

/** A CIDR (or a single address, as /32 or /128); an IPv4-mapped IPv6 range becomes IPv4. */
function parseRange(text: string): [Address, number] | string {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (address === undefined) return `"${text}" is not an IPv4 or IPv6 address or CIDR`;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const bitsText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText) || Number(bitsText) > max) {
      return `"${text}" has an invalid prefix length (0 to ${max})`;
    }
    bits = Number(bitsText);
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/**
 * The value of four-part decimal IPv4 text as an unsigned 32-bit number, or -1 when the text is not
 * one: the addresses {@link parseAddress} accepts without a colon (`ipaddr.IPv4.isValidFourPartDecimal`:
 * four parts of 0 to 255, no leading zero), without its regexes.
 */
export function ipv4Number(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      // '.' (or the end): close a part.
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/** An IPv4 CIDR as the first address and the bits of the prefix. */
interface Ipv4Range {
  readonly base: number;
  readonly bits: number;
}

function ipv4Range(address: ipaddr.IPv4, bits: number): Ipv4Range {
  const [a, b, c, d] = address.octets as [number, number, number, number];
  return { base: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, bits };
}

/** ipaddr's match(): the first `bits` bits are equal. */
function inIpv4Range(n: number, range: Ipv4Range): boolean {
  // >>> takes its count modulo 32: a /0 range is every address.
  return range.bits === 0 || (n ^ range.base) >>> (32 - range.bits) === 0;
}

const inCIDR = kaudit(
  'inCIDR',
  'the fact (an IPv4 or IPv6 address) is inside the CIDR range, or one of them; IPv4-mapped IPv6 addresses count as IPv4',
  (value) => {
    const list = stringList('inCIDR', value);
    if (isProblem(list)) return list;
    const v4: [Address, number][] = [];
    const v6: [Address, number][] = [];
    for (let i = 0; i < list.length; i++) {
      const range = parseRange(list[i]!);
      if (typeof range === 'string') return { problem: `inCIDR: ${range}`, at: Array.isArray(value) ? [i] : [] };
      (range[0].kind() === 'ipv4' ? v4 : v6).push(range);
    }
    const v4Ranges = v4.map(([address, bits]) => ipv4Range(address as ipaddr.IPv4, bits));
    return (a) => {
      // Text without a colon is an address only as four-part decimal IPv4: read it directly.
      if (typeof a === 'string' && a.indexOf(':') < 0) {
        const n = ipv4Number(a);
        if (n < 0) return false;
        for (let i = 0; i < v4Ranges.length; i++) if (inIpv4Range(n, v4Ranges[i]!)) return true;
        return false;
      }
      const address = factAddress(a);
      if (address === undefined) return false;
      // match() throws when the kinds differ, so each address only meets ranges of its kind.
      const ranges = address.kind() === 'ipv4' ? v4 : v6;
      for (let i = 0; i < ranges.length; i++) if (address.match(ranges[i]!)) return true;
      return false;
    };
  },
  false,
);

/** kaudit's additions, registered as they are in the reference engine. */
export const KAUDIT_OPERATORS: readonly OperatorDefinition[] = [
  startsWith,
  endsWith,
  matches,
  glob,
  intersects,
  exists,
  inCIDR,
];

/** Every operator by name. */
export const OPERATORS: ReadonlyMap<string, OperatorDefinition> = new Map(
  [...BUILTIN_OPERATORS, ...KAUDIT_OPERATORS].map((op) => [op.name, op]),
);

// ---------------------------------------------------------------------------------------------
// Decorators (engine-default-operator-decorators.js)

/** json-rules-engine's operator decorators, written before the operator: `someFact:startsWith`. */
export const DECORATORS = ['someFact', 'someValue', 'everyFact', 'everyValue', 'swap', 'not'] as const;
/** One of {@link DECORATORS}. */
export type DecoratorName = (typeof DECORATORS)[number];

const DECORATOR_SET: ReadonlySet<string> = new Set(DECORATORS);

/** An operator name split into decorators (outermost first) and the operator they wrap. */
export interface ParsedOperator {
  readonly decorators: readonly DecoratorName[];
  readonly operator: OperatorDefinition;
}

/**
 * Splits `someFact:not:equal` into `[someFact, not]` and `equal`, as json-rules-engine's
 * OperatorMap.get does: a known operator name wins, otherwise the part before the first `:` must be
 * a decorator. Returns why when it cannot.
 */
export function parseOperator(name: string): ParsedOperator | { problem: string } {
  const decorators: DecoratorName[] = [];
  let rest = name;
  for (;;) {
    const operator = OPERATORS.get(rest);
    if (operator !== undefined) return { decorators, operator };
    const colon = rest.indexOf(':');
    if (colon <= 0) {
      const known = [...OPERATORS.keys()].join(', ');
      return decorators.length === 0
        ? { problem: `unknown operator "${name}"; known operators: ${known}` }
        : { problem: `unknown operator "${rest}" in "${name}"; known operators: ${known}` };
    }
    const decorator = rest.slice(0, colon);
    if (!DECORATOR_SET.has(decorator)) {
      return { problem: `unknown decorator "${decorator}" in "${name}"; decorators: ${DECORATORS.join(', ')}` };
    }
    decorators.push(decorator as DecoratorName);
    rest = rest.slice(colon + 1);
  }
}

/** A comparison compiled from a (possibly decorated) operator and a value. */
export type Comparison =
  | { readonly kind: 'bound'; readonly test: FactTest; readonly mayThrow: boolean }
  | { readonly kind: 'runtime'; readonly evaluate: Evaluate; readonly mayThrow: boolean };

/** What {@link compileComparison} is given as value: known now, or only per event. */
export type ComparisonValue = { readonly known: true; readonly value: unknown } | { readonly known: false };

/**
 * Compiles an operator with its decorators and a value into a test. Decorators compose exactly as
 * json-rules-engine's do: `d.validator(fact) && d.cb(fact, value, inner.evaluate)`, outermost
 * first; someFact / everyFact validate that the fact is an array. A known value is bound once,
 * element by element under someValue / everyValue; `swap` turns the value into the inner
 * operator's fact, so the inner value is only known per event.
 *
 * Pushes problems (with a location inside the value) and returns `undefined` when any.
 */
export function compileComparison(
  parsed: ParsedOperator,
  value: ComparisonValue,
  problems: ValueProblem[],
): Comparison | undefined {
  return compileAt(parsed, 0, value, [], problems);
}

function compileAt(
  parsed: ParsedOperator,
  index: number,
  value: ComparisonValue,
  at: (string | number)[],
  problems: ValueProblem[],
): Comparison | undefined {
  if (index === parsed.decorators.length) {
    const { operator } = parsed;
    if (value.known) {
      const test = operator.bind(value.value);
      if (typeof test !== 'function') {
        problems.push({ problem: test.problem, at: [...at, ...(test.at ?? [])] });
        return undefined;
      }
      return { kind: 'bound', test, mayThrow: operator.bindMayThrow };
    }
    if (operator.evaluate === undefined) {
      problems.push({
        problem: `${operator.name} needs a value known when the rules load (a literal or a list), not a fact reference to event data or a swapped fact`,
        at,
      });
      return undefined;
    }
    return { kind: 'runtime', evaluate: operator.evaluate, mayThrow: operator.evaluateMayThrow };
  }

  const decorator = parsed.decorators[index]!;
  switch (decorator) {
    case 'not': {
      const inner = compileAt(parsed, index + 1, value, at, problems);
      if (inner === undefined) return undefined;
      if (inner.kind === 'bound') {
        const t = inner.test;
        return { kind: 'bound', test: (a) => !t(a), mayThrow: inner.mayThrow };
      }
      const e = inner.evaluate;
      return { kind: 'runtime', evaluate: (a, b) => !e(a, b), mayThrow: inner.mayThrow };
    }
    case 'someFact':
    case 'everyFact': {
      const inner = compileAt(parsed, index + 1, value, at, problems);
      if (inner === undefined) return undefined;
      const some = decorator === 'someFact';
      if (inner.kind === 'bound') {
        const t = inner.test;
        const test: FactTest = some
          ? (a) => {
              if (!Array.isArray(a)) return false;
              for (let i = 0; i < a.length; i++) if (t(a[i])) return true;
              return false;
            }
          : (a) => {
              if (!Array.isArray(a)) return false;
              for (let i = 0; i < a.length; i++) if (!t(a[i])) return false;
              return true;
            };
        return { kind: 'bound', test, mayThrow: inner.mayThrow };
      }
      const e = inner.evaluate;
      const evaluate: Evaluate = some
        ? (a, b) => Array.isArray(a) && a.some((x) => e(x, b))
        : (a, b) => Array.isArray(a) && a.every((x) => e(x, b));
      return { kind: 'runtime', evaluate, mayThrow: inner.mayThrow };
    }
    case 'someValue':
    case 'everyValue': {
      const some = decorator === 'someValue';
      if (value.known) {
        if (!Array.isArray(value.value)) {
          problems.push({ problem: `${decorator} needs an array value; got ${describeType(value.value)}`, at });
          return undefined;
        }
        const tests: FactTest[] = [];
        let mayThrow = false;
        let failed = false;
        value.value.forEach((element, i) => {
          const inner = compileAt(parsed, index + 1, { known: true, value: element }, [...at, i], problems);
          if (inner === undefined || inner.kind !== 'bound') {
            failed = true;
            return;
          }
          tests.push(inner.test);
          mayThrow ||= inner.mayThrow;
        });
        if (failed) return undefined;
        const test: FactTest = some
          ? (a) => {
              for (let i = 0; i < tests.length; i++) if (tests[i]!(a)) return true;
              return false;
            }
          : (a) => {
              for (let i = 0; i < tests.length; i++) if (!tests[i]!(a)) return false;
              return true;
            };
        return { kind: 'bound', test, mayThrow };
      }
      const inner = compileAt(parsed, index + 1, value, at, problems);
      if (inner === undefined) return undefined;
      const e = inner.kind === 'runtime' ? inner.evaluate : undefined;
      if (e === undefined) return undefined;
      // As json-rules-engine: a value without .some / .every (not an array) throws.
      const evaluate: Evaluate = some
        ? (a, b) => (b as unknown[]).some((x) => e(a, x))
        : (a, b) => (b as unknown[]).every((x) => e(a, x));
      return { kind: 'runtime', evaluate, mayThrow: true };
    }
    case 'swap': {
      // The inner operator's fact is our value and its value is our fact: known only per event.
      const inner = compileAt(parsed, index + 1, { known: false }, at, problems);
      if (inner === undefined || inner.kind !== 'runtime') return undefined;
      const e = inner.evaluate;
      if (value.known) {
        const v = value.value;
        return { kind: 'bound', test: (a) => e(v, a), mayThrow: inner.mayThrow };
      }
      return { kind: 'runtime', evaluate: (a, b) => e(b, a), mayThrow: inner.mayThrow };
    }
  }
}
