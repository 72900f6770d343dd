/**
 * Loads rule files into one {@link RuleSetSpec}. Lists and shared conditions are global across the
 * loaded files and every name is unique. All or nothing: if any file has any problem, nothing is
 * loaded and one {@link RulesError} lists every problem of every file.
 */
import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { parseJsonText } from './json-text.js';
import { matchPatterns } from './match-patterns.js';
import { vetPatterns } from './safe-regex.js';
import { compareDocumentOrder, isWithinPointer, jsonPointer, pointerSegments } from './json-pointer.js';
import { ruleSetProblems } from './compile-rule-set.js';
import {
  appendProfileLists,
  listProfiles,
  PROFILES_FOLDER,
  type ProfileSpec,
  unknownProfileMessage,
} from './profiles.js';
import {
  alertKeyFacts,
  type Condition,
  type RuleSetSpec,
  type RuleSpec,
  type RuleTestSpec,
  type TopLevelCondition,
} from './rule-file.js';

/** The folder, below a loaded rule folder, for test cases' event files; never loaded as rules. */
export const TESTS_FOLDER = 'tests';
import { RulesError, type RuleProblem } from './rule-problem.js';
import { ruleNameAt, sequenceConditions, validateRuleFile } from './validate-rule-file.js';

/** A rule file already parsed, as {@link parseRuleSet} takes it. */
export interface ParsedRuleFile {
  /** The name used in problems and in `RuleSpec.source` (usually the path). */
  file: string;
  /** The parsed file. */
  json: unknown;
}

/** Options of {@link loadRuleFiles}. */
export interface LoadRuleFilesOptions {
  /**
   * An environment profile to apply: `profiles/<name>.json` in the rule folders given. Its lists are
   * appended to the lists of the same name. Unknown names are a problem that lists the available ones.
   */
  profile?: string;
}

/** Options of {@link parseRuleSet}. */
export interface ParseRuleSetOptions {
  /** Environment profiles (parsed profile files) to apply, in order. */
  profiles?: readonly ParsedRuleFile[];
}

/** One file on its way into the set: parsed (or not), with the problems found so far. */
interface Source {
  file: string;
  json?: unknown;
  problems: RuleProblem[];
}

/**
 * Loads rule files and folders. A folder contributes every `*.json` file below it, recursively, in
 * path order (so the order never depends on the file system), except `*.schema.json` (the editor
 * schema kept beside the rules) and the `profiles/` and `tests/` folders (environment profiles,
 * applied only when `options.profile` names one, and test events); names starting with `.` are skipped,
 * which also skips the `..data` copies Kubernetes makes when a ConfigMap is mounted. A path naming a
 * file is loaded whatever its extension. A file reached twice (a file and its folder) loads once.
 *
 * @throws RulesError with every problem of every file, when there is any.
 * @example
 * const spec = await loadRuleFiles(['rules/', 'local/extra-rules.json']);
 */
export async function loadRuleFiles(
  paths: readonly string[],
  options: LoadRuleFilesOptions = {},
): Promise<RuleSetSpec> {
  const pathProblems: RuleProblem[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  const folders: string[] = [];
  for (const path of paths) {
    for (const file of await expandPath(path, pathProblems, folders)) {
      const real = await realpath(file).catch(() => file);
      if (seen.has(real)) continue;
      seen.add(real);
      files.push(file);
    }
  }
  const sources = await Promise.all(files.map(readSource));
  const profiles: Source[] = [];
  if (options.profile !== undefined) {
    const name = options.profile;
    const candidates = folders.map((folder) => join(folder, PROFILES_FOLDER, `${name}.json`));
    const found = (
      await Promise.all(
        candidates.map((f) =>
          stat(f).then(
            (i) => i.isFile(),
            () => false,
          ),
        ),
      )
    ).flatMap((ok, i) => (ok ? [candidates[i]!] : []));
    if (found.length === 0) {
      pathProblems.push({
        file: folders.length > 0 ? folders.join(', ') : paths.join(', '),
        pointer: '',
        message: unknownProfileMessage(name, await listProfiles(folders)),
      });
    }
    profiles.push(...(await Promise.all(found.map(readSource))));
  }
  return assemble(sources, pathProblems, profiles);
}

async function readSource(file: string): Promise<Source> {
  try {
    return { file, ...parseRuleFileText(await readFile(file, 'utf8'), file) };
  } catch (err) {
    return { file, problems: [{ file, pointer: '', message: `cannot read the file: ${(err as Error).message}` }] };
  }
}

/**
 * Builds a rule set from files already parsed (for library users who hold objects, and tests).
 * Same checks and same all-or-nothing behaviour as {@link loadRuleFiles}.
 *
 * @throws RulesError with every problem, when there is any.
 */
export function parseRuleSet(files: readonly ParsedRuleFile[], options: ParseRuleSetOptions = {}): RuleSetSpec {
  return assemble(
    files.map(({ file, json }) => ({ file, json, problems: [] })),
    [],
    (options.profiles ?? []).map(({ file, json }) => ({ file, json, problems: [] })),
  );
}

/**
 * Parses the text of one rule file: JSON syntax errors (with line and column) and duplicate keys
 * become problems. It does not validate the rules: {@link parseRuleSet} does.
 */
export function parseRuleFileText(text: string, file: string): { json?: unknown; problems: RuleProblem[] } {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    return { problems: [{ file, pointer: '', message: `invalid JSON at line ${line}, column ${column}: ${message}` }] };
  }
  const problems = parsed.duplicateKeys.map(({ pointer, key, line, column }): RuleProblem => {
    const problem: RuleProblem = {
      file,
      pointer,
      message: `duplicate key "${key}" at line ${line}, column ${column}: JSON keeps only the last one`,
    };
    const rule = ruleNameAt(parsed.value, pointer);
    if (rule !== undefined) problem.rule = rule;
    return problem;
  });
  return { json: parsed.value, problems };
}

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function ownKeys(json: unknown, section: string): string[] {
  if (json === null || typeof json !== 'object' || !hasOwn(json, section)) return [];
  const value = (json as Record<string, unknown>)[section];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
}

function ruleNames(json: unknown): Array<[index: number, name: string]> {
  if (json === null || typeof json !== 'object' || !hasOwn(json, 'rules')) return [];
  const rules = (json as Record<string, unknown>).rules;
  if (!Array.isArray(rules)) return [];
  const out: Array<[number, string]> = [];
  rules.forEach((rule: unknown, index) => {
    if (rule !== null && typeof rule === 'object' && hasOwn(rule, 'name')) {
      const name = (rule as Record<string, unknown>).name;
      if (typeof name === 'string') out.push([index, name]);
    }
  });
  return out;
}

/** Validates every source, checks names across files, and merges; throws when anything is wrong. */
function assemble(sources: Source[], pathProblems: RuleProblem[], profileSources: Source[] = []): RuleSetSpec {
  const parsed = sources.filter((s) => s.json !== undefined);
  // One recheck run for all the patterns, instead of one per pattern as validation meets them.
  vetPatterns(matchPatterns([...parsed, ...profileSources].map((s) => s.json)));
  // Shared conditions are global: a reference may name one defined in any loaded file.
  const knownConditions = new Set(parsed.flatMap((s) => ownKeys(s.json, 'conditions')));
  const knownRules = new Set(parsed.flatMap((s) => ruleNames(s.json).map(([, name]) => name)));

  const spec: RuleSetSpec = { lists: {}, conditions: {}, rules: [], files: sources.map((s) => s.file) };
  const rules: RuleSpec[] = [];
  const tests: RuleTestSpec[] = [];
  // Profiles given as rule paths: refused once, and kept out of the names (their lists repeat the base ones).
  const misplaced = new Set<Source>();
  for (const source of parsed) {
    const result = validateRuleFile(source.json, source.file, { knownConditions, knownRules });
    source.problems.push(...result.problems);
    if (result.profile !== undefined) {
      source.problems.push({
        file: source.file,
        pointer: '/profile',
        message: `this is the environment profile "${result.profile.name}", not a rule file: select it with --profile ${result.profile.name} (profiles live in a ${PROFILES_FOLDER}/ folder beside the rules)`,
      });
      misplaced.add(source);
      continue;
    }
    Object.assign(spec.lists, result.lists);
    Object.assign(spec.conditions, result.conditions);
    rules.push(...result.rules);
    tests.push(...result.tests);
  }
  spec.rules = rules;
  if (tests.length > 0) spec.tests = tests;
  checkExpectedKeys(tests, rules, new Map(parsed.map((s) => [s.file, s])));

  // Names across files (duplicates inside one file are validateRuleFile's, or the JSON scanner's).
  const firstRule = new Map<string, { file: string; pointer: string }>();
  const firstList = new Map<string, { file: string; pointer: string }>();
  const firstCondition = new Map<string, { file: string; pointer: string }>();
  const claim = (
    registry: Map<string, { file: string; pointer: string }>,
    source: Source,
    name: string,
    pointer: string,
    what: string,
  ) => {
    const first = registry.get(name);
    if (first === undefined) {
      registry.set(name, { file: source.file, pointer });
    } else if (first.file !== source.file) {
      const problem: RuleProblem = {
        file: source.file,
        pointer,
        message: `${what} "${name}" is already defined in ${first.file} at ${first.pointer}; names must be unique across rule files`,
      };
      const rule = ruleNameAt(source.json, pointer);
      if (rule !== undefined) problem.rule = rule;
      source.problems.push(problem);
    }
  };
  for (const source of parsed) {
    if (misplaced.has(source)) continue;
    for (const name of ownKeys(source.json, 'lists')) {
      claim(firstList, source, name, jsonPointer('lists', name), 'list');
    }
    for (const name of ownKeys(source.json, 'conditions')) {
      claim(firstCondition, source, name, jsonPointer('conditions', name), 'shared condition');
    }
    for (const [index, name] of ruleNames(source.json)) {
      claim(firstRule, source, name, jsonPointer('rules', index, 'name'), 'rule');
    }
  }

  // What only the compiler knows (unknown operators, values an operator cannot use, unsafe regular
  // expressions, bad CIDRs, JSONPath, cycles between shared conditions), on the parts that passed
  // validation, so nothing is reported twice. A shared condition refused above still exists: it
  // stands in as an always-true condition, so that rules using it are not told it is unknown.
  const stand: Record<string, Condition> = {};
  for (const name of knownConditions) {
    stand[name] = hasOwn(spec.conditions, name) ? spec.conditions[name]! : { all: [] };
  }
  const bySource = new Map(parsed.map((s) => [s.file, s]));
  const unplaced: RuleProblem[] = [];
  for (const problem of ruleSetProblems({
    ...spec,
    rules: [...spec.rules, ...conditionsToCheck(parsed, spec.rules)],
    conditions: stand,
  })) {
    // The compiler does not know which file a shared condition came from; the loader does.
    const [section, name] = pointerSegments(problem.pointer);
    const file =
      (section === 'conditions' && name !== undefined ? firstCondition.get(name)?.file : undefined) ?? problem.file;
    const source = bySource.get(file);
    if (source !== undefined) source.problems.push({ ...problem, file });
    else unplaced.push(problem);
  }

  // Profiles last: they extend the lists the rule files define.
  for (const source of profileSources) {
    if (source.json === undefined) continue;
    const result = validateRuleFile(source.json, source.file);
    source.problems.push(...result.problems);
    const expected = basename(source.file, '.json');
    if (result.profile === undefined) {
      if (result.problems.length === 0)
        source.problems.push({ file: source.file, pointer: '', message: 'a profile file needs "profile" and "lists"' });
      continue;
    }
    if (result.profile.name !== expected) {
      source.problems.push({
        file: source.file,
        pointer: '/profile',
        message: `the profile in ${expected}.json must be named "${expected}"; got "${result.profile.name}"`,
      });
    }
    if (result.problems.length > 0) continue;
    const profile: ProfileSpec = { name: result.profile.name, file: source.file, lists: result.lists };
    source.problems.push(...appendProfileLists(spec.lists, profile));
    spec.profile = profile.name;
  }

  // Each file's problems in the order of the file, wherever they were found.
  const ordered = (s: Source) => [...s.problems].sort((a, b) => compareDocumentOrder(s.json, a.pointer, b.pointer));
  const problems = [...pathProblems, ...sources.flatMap(ordered), ...profileSources.flatMap(ordered), ...unplaced];
  if (problems.length > 0) throw new RulesError(problems);
  return spec;
}

/**
 * An expected alert can only name key facts the rule's alerts have (its suppress key, groupBy, last
 * sequence step's key or newTerm fields): any other could never match, so it is a problem of the file.
 */
function checkExpectedKeys(
  tests: readonly RuleTestSpec[],
  rules: readonly RuleSpec[],
  sources: Map<string, Source>,
): void {
  const byName = new Map(rules.map((rule) => [rule.name, rule]));
  for (const test of tests) {
    test.expect.forEach((expected, i) => {
      const rule = byName.get(expected.rule);
      if (rule === undefined || expected.key === undefined) return;
      const facts = alertKeyFacts(rule);
      for (const fact of Object.keys(expected.key)) {
        if (facts.includes(fact)) continue;
        const keyed = facts.length > 0 ? `keyed by ${facts.join(', ')}` : 'not keyed (one key for the whole rule)';
        sources.get(test.source.file)?.problems.push({
          file: test.source.file,
          pointer: jsonPointer('tests', test.source.index, 'expect', i, 'key', fact),
          message: `"${fact}" is not in the key of ${rule.name}'s alerts, which are ${keyed}`,
        });
      }
    });
  }
}

/** The files a path stands for: itself, or the `*.json` files below a folder. Problems are collected. */
async function expandPath(path: string, problems: RuleProblem[], folders: string[]): Promise<string[]> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    problems.push({
      file: path,
      pointer: '',
      message: missing ? 'file not found' : `cannot read: ${(err as Error).message}`,
    });
    return [];
  }
  if (!info.isDirectory()) return [path];
  folders.push(path);
  const files = await jsonFilesBelow(path, problems);
  if (files.length === 0) problems.push({ file: path, pointer: '', message: 'no .json rule files in this folder' });
  return files;
}

async function jsonFilesBelow(root: string, problems: RuleProblem[]): Promise<string[]> {
  const files: string[] = [];
  const visited = new Set<string>(); // real paths: a symbolic link loop is walked once
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: dir, pointer: '', message: `cannot read the folder: ${(err as Error).message}` });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target === undefined) continue; // a dangling link is not a rule file
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      }
      // profiles/ holds environment profiles (applied on request), tests/ the events of test cases.
      if (isDirectory && (entry.name === PROFILES_FOLDER || entry.name === TESTS_FOLDER)) continue;
      if (isDirectory) await walk(path);
      else if (isFile && entry.name.endsWith('.json') && !entry.name.endsWith('.schema.json')) files.push(path);
    }
  };
  await walk(root);
  // By relative path with "/" separators, compared by code unit (as `LC_ALL=C sort` does), so the
  // order depends neither on the file system nor on the locale: `a.json`, `a/b.json`, `b.json`.
  const key = (file: string) => relative(root, file).split(sep).join('/');
  return files.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * Rules refused by validation for reasons outside their conditions (a bad severity, a bad duration)
 * still have their conditions checked by the compiler, so a file lists every fault at once. They are
 * stand-ins for checking only and never reach the rule set.
 */
function conditionsToCheck(sources: readonly Source[], valid: readonly RuleSpec[]): RuleSpec[] {
  const out: RuleSpec[] = [];
  for (const source of sources) {
    const rules = (source.json as { rules?: unknown }).rules;
    if (!Array.isArray(rules)) continue;
    const validIndexes = new Set(valid.filter((r) => r.source.file === source.file).map((r) => r.source.index));
    rules.forEach((rule: unknown, index) => {
      if (validIndexes.has(index) || rule === null || typeof rule !== 'object') return;
      const { name, conditions, sequence } = rule as { name?: unknown; conditions?: unknown; sequence?: unknown };
      const stand: Pick<RuleSpec, 'name' | 'title' | 'severity' | 'tags' | 'enabled' | 'source'> = {
        name: typeof name === 'string' ? name : `#${index}`,
        title: '',
        severity: 'info',
        tags: [],
        enabled: true,
        source: { file: source.file, index },
      };
      if (conditions !== null && typeof conditions === 'object') {
        const prefix = jsonPointer('rules', index, 'conditions');
        if (source.problems.some((p) => isWithinPointer(p.pointer, prefix))) return;
        out.push({ ...stand, conditions: conditions as RuleSpec['conditions'] });
        return;
      }
      // A sequence's steps, each checked unless validation already found something inside it.
      const steps = (sequence as { steps?: unknown } | null)?.steps;
      if (!Array.isArray(steps)) return;
      // A step already refused stands in as an always-true condition, so the others are still checked.
      const checkable = steps.map((step: unknown, i): { conditions: TopLevelCondition } => {
        const prefix = jsonPointer('rules', index, 'sequence', 'steps', i, 'conditions');
        const c = step !== null && typeof step === 'object' ? (step as { conditions?: unknown }).conditions : undefined;
        const ok =
          c !== null && typeof c === 'object' && !source.problems.some((p) => isWithinPointer(p.pointer, prefix));
        return { conditions: ok ? (c as TopLevelCondition) : { all: [] } };
      });
      out.push({
        ...stand,
        conditions: sequenceConditions({ sequence: { steps: checkable } }),
        sequence: { within: 0, withinText: '', steps: [] },
      });
    });
  }
  return out;
}
