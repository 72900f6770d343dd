import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { compileRuleSet, loadRuleFiles, RulesError, type CompiledRuleSet } from '@kaudit/core';
import type { Logger } from 'pino';

/** Where rules come from: files and folders (walked for `.json`), and an environment profile. */
export interface RuleSource {
  paths: readonly string[];
  profile?: string;
}

/**
 * Loads, validates and compiles a rule set; throws a RulesError listing every problem.
 *
 * @example
 * const rules = await loadRules({ paths: ['rules'], profile: 'eks' });
 */
export async function loadRules(source: RuleSource): Promise<CompiledRuleSet> {
  const spec = await loadRuleFiles(source.paths, source.profile !== undefined ? { profile: source.profile } : {});
  return compileRuleSet(spec);
}

/** The enabled rules of a set: what `kaudit_rules_loaded` reports. */
export function enabledRuleCount(rules: CompiledRuleSet): number {
  return rules.spec.rules.filter((r) => r.enabled !== false).length;
}

/** Options of {@link createRulesReloader}. */
export interface RulesReloaderOptions extends RuleSource {
  /** The rules already running (loaded by {@link loadRules}). */
  initial: CompiledRuleSet;
  /** Watch the paths and reload when a rule file changes. Default true. */
  watch?: boolean;
  /** Reload on `SIGHUP` from this emitter (`process`, or an EventEmitter in tests). */
  signals?: Pick<EventEmitter, 'on' | 'off'>;
  /** Reload outcomes: `ruleReload('ok', count)` / `ruleReload('failed')` (the server's metrics). */
  metrics?: { ruleReload(outcome: 'ok' | 'failed', ruleCount?: number): void };
  logger?: Logger;
  /** ms between content checks when file events are missed (network file systems, ConfigMap swaps). Default 2000. */
  pollInterval?: number;
  /** ms of quiet after a file event before reloading (editors write in several steps). Default 200. */
  debounce?: number;
}

/** A running rule set that changes when its files do. */
export interface RulesReloader {
  /** The rules in force: the pipeline calls it per event, so a swap applies from the next event on. */
  current(): CompiledRuleSet;
  /**
   * Loads, validates and compiles the files now and swaps only when all of that succeeded. Resolves
   * true when the new rules are in force, false when the running ones stay (problems logged).
   */
  reload(reason?: string): Promise<boolean>;
  /** Stops watching; no reload starts after it. */
  close(): void;
}

/**
 * Hot reload of rule files: on `SIGHUP`, and when the content of a rule file changes (file-system
 * events on the paths, debounced, with a content poll as a fallback). Every attempt loads and compiles
 * the whole set first; a broken file keeps the running rules, logs every problem and reports `failed`;
 * a good one swaps the set in one assignment. Attempts never overlap.
 *
 * Swapping mid-stream is safe for the evaluation stage (it reads `current()` once per event; matches
 * carry their compiled rule). Stateful stages key their state by rule name and keep what still means
 * the same: suppression keeps its open alerts; a threshold keeps its windows unless its `groupBy` or
 * `distinct` changed (a new `within` applies at once); a sequence keeps its progress unless its steps
 * changed; a new-term rule keeps its terms unless its fields changed.
 *
 * @example
 * const reloader = await createRulesReloader({ paths: ['rules'], initial, signals: process, metrics, logger });
 * const pipeline = createPipeline({ rules: () => reloader.current() });
 */
export async function createRulesReloader(options: RulesReloaderOptions): Promise<RulesReloader> {
  const { logger, metrics } = options;
  let current = options.initial;
  let closed = false;
  let running: Promise<boolean> | undefined;
  let again: Promise<boolean> | undefined;
  // What the running rules were read from (near enough: read right after them), so the first poll
  // does not reload unchanged files.
  let fingerprint = await fingerprintOf(options.paths);
  const source: RuleSource = {
    paths: options.paths,
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
  };

  const attempt = async (reason: string): Promise<boolean> => {
    const seen = await fingerprintOf(options.paths);
    try {
      const next = await loadRules(source);
      if (closed) return false;
      current = next;
      fingerprint = seen;
      const count = enabledRuleCount(next);
      metrics?.ruleReload('ok', count);
      logger?.info({ reason, rules: count }, `rules reloaded (${reason}): ${count} rules in force`);
      return true;
    } catch (err) {
      // The content was looked at: a poll must not retry the same broken files every interval.
      fingerprint = seen;
      metrics?.ruleReload('failed');
      if (err instanceof RulesError) {
        logger?.error(
          { reason, problems: err.problems },
          `rules reload (${reason}) failed, the running rules stay: ${err.problems.length} problem(s)`,
        );
      } else {
        logger?.error(
          { reason, err: { message: (err as Error).message } },
          `rules reload (${reason}) failed, the running rules stay`,
        );
      }
      return false;
    }
  };

  const reload = (reason = 'requested'): Promise<boolean> => {
    if (closed) return Promise.resolve(false);
    if (!running) {
      running = attempt(reason).finally(() => (running = undefined));
      return running;
    }
    // A change during a reload gets one more reload after it, however many changes come meanwhile.
    again ??= running.then(() => {
      again = undefined;
      return reload(reason);
    });
    return again;
  };

  const changedOnDisk = async (reason: string): Promise<void> => {
    if (closed || running) return;
    const now = await fingerprintOf(options.paths);
    if (now !== fingerprint) await reload(reason);
  };

  const onHangup = () => void reload('SIGHUP');
  options.signals?.on('SIGHUP', onHangup);

  const watchers: FSWatcher[] = [];
  let poll: NodeJS.Timeout | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    const debounce = options.debounce ?? 200;
    const onFsEvent = () => {
      clearTimeout(debounceTimer);
      debounceTimer = setTimeout(() => void changedOnDisk('file changed'), debounce);
      debounceTimer.unref();
    };
    for (const path of options.paths) {
      try {
        const w = watch(path, { recursive: true, persistent: false }, onFsEvent);
        w.on('error', () => undefined); // the poll still covers this path
        watchers.push(w);
      } catch {
        // Not watchable here (some file systems): the poll covers it.
      }
    }
    poll = setInterval(() => void changedOnDisk('file changed'), options.pollInterval ?? 2000);
    poll.unref();
  }

  return {
    current: () => current,
    reload,
    close() {
      closed = true;
      options.signals?.off('SIGHUP', onHangup);
      clearInterval(poll);
      clearTimeout(debounceTimer);
      for (const w of watchers) w.close();
    },
  };
}

/** A hash of the names and contents of every file under the paths: changes when any rule file does. */
async function fingerprintOf(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (path: string, depth: number): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return void hash.update(`missing ${path}\n`);
    if (info.isDirectory()) {
      if (depth > 8) return;
      const names = (await readdir(path).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
      for (const name of names) await visit(join(path, name), depth + 1);
      return;
    }
    // Folders are walked for .json files only (as loadRuleFiles does); a file named directly counts.
    if (depth > 0 && !path.endsWith('.json')) return;
    hash.update(`${path}\n`);
    hash.update(await readFile(path).catch(() => Buffer.from('unreadable')));
  };
  for (const path of paths) await visit(path, 0);
  return hash.digest('hex');
}
