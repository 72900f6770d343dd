import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipeline, RulesError } from '@kaudit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../app/metrics.js';
import { createRulesReloader, loadRules, type RulesReloader } from './rules-reloader.js';

const rule = (name: string, verb: string) => ({
  name,
  title: name,
  severity: 'medium',
  conditions: { all: [{ fact: 'verb', operator: 'equal', value: verb }] },
});
const file = (...rules: object[]) => JSON.stringify({ rules });

const open: RulesReloader[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) r.close();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function setup(watch: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'kaudit-reload-'));
  dirs.push(dir);
  await writeFile(join(dir, 'a.json'), file(rule('deletes', 'delete')));
  const initial = await loadRules({ paths: [dir] });
  const pipeline = createPipeline({ rules: initial, tick: false });
  const metrics = createMetrics({ pipeline, defaultMetrics: false });
  const signals = new EventEmitter();
  const reloader = await createRulesReloader({
    paths: [dir],
    initial,
    watch,
    signals,
    metrics,
    pollInterval: 30,
    debounce: 10,
  });
  open.push(reloader);
  const names = () => reloader.current().rules.map((r) => r.name);
  return { dir, reloader, metrics, signals, names, initial };
}

describe('createRulesReloader', () => {
  it('swaps only a set that loads and compiles; a broken one keeps the running rules', async () => {
    const { dir, reloader, metrics, names, initial } = await setup(false);
    expect(reloader.current()).toBe(initial);

    await writeFile(join(dir, 'a.json'), file(rule('deletes', 'delete'), rule('patches', 'patch')));
    expect(await reloader.reload()).toBe(true);
    expect(names()).toEqual(['deletes', 'patches']);

    // Valid JSON, but an unknown operator: caught by compilation, before the swap.
    await writeFile(
      join(dir, 'a.json'),
      file({ ...rule('bad', 'get'), conditions: { all: [{ fact: 'verb', operator: 'sortOf', value: 'x' }] } }),
    );
    const running = reloader.current();
    expect(await reloader.reload()).toBe(false);
    expect(reloader.current()).toBe(running);
    const text = await metrics.text();
    expect(text).toContain('kaudit_rules_reload_failing 1');
    expect(text).toContain('kaudit_rules_loaded 2');
    expect(text).toMatch(/kaudit_rules_reloads_total\{outcome="failed"\} 1/);
    expect(text).toMatch(/kaudit_rules_reloads_total\{outcome="ok"\} 1/);
  });

  it('reloads on SIGHUP from the injected emitter', async () => {
    const { dir, reloader, signals, names } = await setup(false);
    await writeFile(join(dir, 'b.json'), file(rule('creates', 'create')));
    const swapped = new Promise<void>((resolve) => {
      const check = () => (names().includes('creates') ? resolve() : setImmediate(check));
      check();
    });
    signals.emit('SIGHUP');
    await swapped;
    expect(names()).toEqual(['deletes', 'creates']);
    reloader.close();
    signals.emit('SIGHUP'); // no listener any more: nothing happens, nothing throws
    expect(signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('notices a changed file by itself, good or broken', async () => {
    const { dir, metrics, names } = await setup(true);
    await writeFile(join(dir, 'a.json'), file(rule('renamed', 'delete')));
    await new Promise<void>((resolve) => {
      const check = () => (names().includes('renamed') ? resolve() : setTimeout(check, 10));
      check();
    });
    await writeFile(join(dir, 'a.json'), '{ "rules": [');
    await new Promise<void>((resolve) => {
      const check = async () =>
        (await metrics.text()).includes('kaudit_rules_reload_failing 1') ? resolve() : setTimeout(check, 10);
      void check();
    });
    expect(names()).toEqual(['renamed']);
  });

  it('loadRules throws every problem as a RulesError', async () => {
    const { dir } = await setup(false);
    await writeFile(join(dir, 'a.json'), file({ name: 'x' }));
    const error = await loadRules({ paths: [dir] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RulesError);
    expect((error as RulesError).problems.length).toBeGreaterThan(0);
  });
});
