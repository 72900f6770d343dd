import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { loadRuleFiles, parseRuleFileText, parseRuleSet } from './load-rule-files.js';
import { RulesError, type RuleProblem } from './rule-problem.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kaudit-rules-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(relative: string, content: unknown): Promise<string> {
  const path = join(root, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function rule(name: string, extra: Record<string, unknown> = {}) {
  return { name, severity: 'low', conditions: { all: [] }, ...extra };
}

/** The problems of the RulesError a promise or call rejects with. */
async function problemsOf(attempt: Promise<unknown> | (() => unknown)): Promise<RuleProblem[]> {
  try {
    await (typeof attempt === 'function' ? attempt() : attempt);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as RulesError).problems;
  }
  throw new Error('expected a RulesError');
}

describe('loadRuleFiles', () => {
  it('loads every .json file of a folder, recursively, in path order, skipping dot-entries and other files', async () => {
    await write('b.json', { rules: [rule('b')] });
    await write('a.json', { rules: [rule('a1'), rule('a2')] });
    await write('a/z.json', { rules: [rule('z')] });
    await write('sub/deeper/c.json', { rules: [rule('c')] });
    await write('notes.txt', 'not json');
    await write('.vscode/settings.json', { 'editor.tabSize': 2 });
    // A mounted ConfigMap: the real file under ..data, a symbolic link beside it.
    await write('..data/k.json', { rules: [rule('k')] });
    await symlink(join(root, '..data', 'k.json'), join(root, 'k.json'));

    const spec = await loadRuleFiles([root]);
    expect(spec.files).toEqual(
      ['a.json', 'a/z.json', 'b.json', 'k.json', 'sub/deeper/c.json'].map((f) => join(root, f)),
    );
    expect(spec.rules.map((r) => r.name)).toEqual(['a1', 'a2', 'z', 'b', 'k', 'c']);
    expect(spec.rules[1]!.source).toEqual({ file: join(root, 'a.json'), index: 1 });
  });

  it('gives the same order whatever order the files were written in', async () => {
    for (const name of ['m', 'c', 'x', 'a']) await write(`${name}.json`, { rules: [rule(name)] });
    const first = await loadRuleFiles([root]);
    expect(first.rules.map((r) => r.name)).toEqual(['a', 'c', 'm', 'x']);
  });

  it('loads a file given twice (alone and through its folder) once', async () => {
    const a = await write('a.json', { rules: [rule('a')] });
    await write('b.json', { rules: [rule('b')] });
    const spec = await loadRuleFiles([a, root]);
    expect(spec.files).toEqual([a, join(root, 'b.json')]);
    expect(spec.rules.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('merges lists and shared conditions across files: a rule may use those of another file', async () => {
    await write('10-lists.json', {
      lists: { admins: ['alice'] },
      conditions: { 'by-admin': { all: [{ fact: 'user.username', operator: 'in', value: { fact: 'admins' } }] } },
      rules: [],
    });
    await write('20-rules.json', { rules: [rule('admin-deletes', { conditions: { condition: 'by-admin' } })] });
    const spec = await loadRuleFiles([root]);
    expect(spec.lists).toEqual({ admins: ['alice'] });
    expect(Object.keys(spec.conditions)).toEqual(['by-admin']);
    expect(spec.rules.map((r) => r.name)).toEqual(['admin-deletes']);
  });

  it('refuses everything when any file has a problem, listing every problem of every file', async () => {
    await write('good.json', { rules: [rule('good')] });
    await write('faulty.json', {
      rules: [
        rule('bad-severity', { severity: 'urgent' }),
        { name: 'no-conditions', severity: 'low' },
        rule('bad-duration', { threshold: { count: 5, within: '5 minutes' } }),
        rule('proto', { conditions: { all: [{ fact: '__proto__', operator: 'equal', value: 1 }] } }),
        rule('unknown-ref', { conditions: { condition: 'nowhere' } }),
        rule('good'),
      ],
    });
    await write('broken.json', '{\n  "rules": [\n    { "name": "x" }\n  ]\n  "lists": {}\n}\n');
    const missing = join(root, 'missing.json');

    const problems = await problemsOf(loadRuleFiles([root, missing]));
    const at = (file: string) => join(root, file);
    expect(problems.map(({ file, rule, pointer }) => ({ file, rule, pointer }))).toEqual([
      { file: missing, rule: undefined, pointer: '' },
      { file: at('broken.json'), rule: undefined, pointer: '' },
      { file: at('faulty.json'), rule: 'bad-severity', pointer: '/rules/0/severity' },
      { file: at('faulty.json'), rule: 'no-conditions', pointer: '/rules/1' },
      { file: at('faulty.json'), rule: 'bad-duration', pointer: '/rules/2/threshold/within' },
      { file: at('faulty.json'), rule: 'proto', pointer: '/rules/3/conditions/all/0/fact' },
      { file: at('faulty.json'), rule: 'unknown-ref', pointer: '/rules/4/conditions/condition' },
      // Files load in path order, so the first "good" is faulty.json's and good.json's is the duplicate.
      { file: at('good.json'), rule: 'good', pointer: '/rules/0/name' },
    ]);
    expect(problems[0]!.message).toBe('file not found');
    expect(problems[1]!.message).toBe(
      'invalid JSON at line 5, column 3: expected "," or "}" after the property value; found "\\"lists\\""',
    );
    expect(problems[7]!.message).toBe(
      `rule "good" is already defined in ${at('faulty.json')} at /rules/5/name; names must be unique across rule files`,
    );
  });

  it('reports duplicate list, shared condition and rule names across files', async () => {
    const first = { lists: { admins: ['a'] }, conditions: { c: { all: [] } }, rules: [rule('r')] };
    await write('a.json', first);
    await write('b.json', first);
    const problems = await problemsOf(loadRuleFiles([root]));
    expect(problems.map((p) => [p.file, p.pointer, p.rule])).toEqual([
      [join(root, 'b.json'), '/lists/admins', undefined],
      [join(root, 'b.json'), '/conditions/c', undefined],
      [join(root, 'b.json'), '/rules/0/name', 'r'],
    ]);
    expect(problems.map((p) => p.message.split(' is already')[0])).toEqual([
      'list "admins"',
      'shared condition "c"',
      'rule "r"',
    ]);
  });

  it('reports duplicate keys, which JSON.parse would silently drop', async () => {
    const file = await write(
      'dup.json',
      '{"rules": [{"name": "r", "severity": "low", "severity": "critical", "conditions": {"all": []}}]}',
    );
    expect(await problemsOf(loadRuleFiles([file]))).toEqual([
      {
        file,
        rule: 'r',
        pointer: '/rules/0/severity',
        message: 'duplicate key "severity" at line 1, column 45: JSON keeps only the last one',
      },
    ]);
  });

  it('reports a folder without rule files, and a missing path', async () => {
    await write('readme.txt', 'no rules here');
    expect(await problemsOf(loadRuleFiles([root, join(root, 'nope')]))).toEqual([
      { file: root, pointer: '', message: 'no .json rule files in this folder' },
      { file: join(root, 'nope'), pointer: '', message: 'file not found' },
    ]);
  });

  it('throws a KauditError with code invalid_rules whose message lists the problems', async () => {
    const file = await write('a.json', { rules: [rule('a', { severity: 'urgent' })] });
    const error = await loadRuleFiles([file]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KauditError);
    expect(error).toMatchObject({ code: 'invalid_rules', component: 'rules' });
    expect((error as Error).message).toContain('/rules/0/severity');
  });
});

describe('parseRuleSet', () => {
  it('adds what only the compiler finds (operators, regular expressions, cycles), attributed to the right file', async () => {
    const problems = await problemsOf(() =>
      parseRuleSet([
        {
          file: 'shared.json',
          json: {
            conditions: {
              ping: { all: [{ condition: 'pong' }] },
              pong: { any: [{ condition: 'ping' }] },
              refused: { all: [{ fact: '__proto__', operator: 'equal', value: 1 }] },
            },
            rules: [],
          },
        },
        {
          file: 'rules.json',
          json: {
            rules: [
              rule('bad-operator', { conditions: { all: [{ fact: 'verb', operator: 'equals', value: 'get' }] } }),
              rule('bad-regex', {
                conditions: { all: [{ fact: 'requestURI', operator: 'matches', value: '(a+)+$' }] },
              }),
              // Uses a shared condition that has its own problem: not reported as unknown.
              rule('uses-refused', { conditions: { condition: 'refused' } }),
            ],
          },
        },
      ]),
    );
    expect(problems.map((p) => [p.file, p.rule, p.pointer])).toEqual([
      ['shared.json', undefined, '/conditions/pong/any/0/condition'],
      ['shared.json', undefined, '/conditions/refused/all/0/fact'],
      ['rules.json', 'bad-operator', '/rules/0/conditions/all/0/operator'],
      ['rules.json', 'bad-regex', '/rules/1/conditions/all/0/value'],
    ]);
    expect(problems[0]!.message).toContain('cycle');
  });

  it('builds a set from objects the caller holds', () => {
    const spec = parseRuleSet([
      { file: 'shared', json: { conditions: { c: { all: [] } }, rules: [] } },
      { file: 'mine', json: { rules: [rule('uses-c', { conditions: { condition: 'c' } })] } },
    ]);
    expect(spec.files).toEqual(['shared', 'mine']);
    expect(spec.rules.map((r) => [r.name, r.source.file])).toEqual([['uses-c', 'mine']]);
  });

  it('checks the conditions of a rule refused for another fault, so every fault is listed at once', async () => {
    const problems = await problemsOf(() =>
      parseRuleSet([
        {
          file: 'one',
          json: {
            rules: [
              rule('a', {
                severity: 'urgent',
                conditions: { all: [{ fact: 'verb', operator: 'nope', value: 1 }] },
              }),
            ],
          },
        },
      ]),
    );
    expect(problems.map((p) => [p.rule, p.pointer])).toEqual([
      ['a', '/rules/0/severity'],
      ['a', '/rules/0/conditions/all/0/operator'],
    ]);
  });

  it('throws RulesError with the problems of every file', async () => {
    const problems = await problemsOf(() =>
      parseRuleSet([
        { file: 'one', json: { rules: [rule('a', { severity: 'urgent' })] } },
        { file: 'two', json: { rules: [rule('a')], extra: true } },
      ]),
    );
    // In each file's own order, though the duplicate name is found after the unknown property.
    expect(problems.map((p) => [p.file, p.pointer])).toEqual([
      ['one', '/rules/0/severity'],
      ['two', '/rules/0/name'],
      ['two', '/extra'],
    ]);
  });
});

describe('parseRuleFileText', () => {
  it('returns the parsed file, or the syntax error with line and column', () => {
    expect(parseRuleFileText('{"rules": []}', 'f.json')).toEqual({ json: { rules: [] }, problems: [] });
    expect(parseRuleFileText('{"rules": [],}', 'f.json')).toEqual({
      problems: [
        {
          file: 'f.json',
          pointer: '',
          message: 'invalid JSON at line 1, column 14: trailing comma: expected a property name in double quotes',
        },
      ],
    });
  });
});
