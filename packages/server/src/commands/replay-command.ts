import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compileRuleSet,
  createPipeline,
  KauditError,
  loadRuleFiles,
  parseDuration,
  readEvents,
  RulesError,
  type Alert,
  type DeliveryEvent,
  type PipelineOptions,
  type PipelineStats,
} from '@kaudit/core';
import { defaultRulePaths } from './default-rules.js';
import { type CommandIO, UsageError, write } from './io.js';
import { checkProfile, printRuleProblems } from './rules-command.js';

const PROGRESS_EVERY_MS = 250;
/** Output held at most (characters) before it is written without waiting for the next batch. */
const FLUSH_CHARS = 1 << 20;

/** Where a replay that delivers keeps what it could not deliver, unless the config or `--dead-letter` say. */
export const DEFAULT_DEAD_LETTER = 'kaudit-dead-letter.jsonl';

/**
 * `kaudit replay [--rules PATH]... [--profile NAME] [--format pretty|json] [--lateness 5m] [--redact-path PATH]... FILE...`: streams audit log
 * files (JSON lines, JSON documents, `.gz`, `-` for stdin) through the rules in event time and prints
 * the alerts. With `--format json`, stdout carries exactly one alert per line, in its final state;
 * everything else (progress, summary, rejected lines) goes to stderr.
 *
 * With `--config FILE` (or `$KAUDIT_CONFIG`) the alerts are also delivered to the config's sinks through
 * the delivery layer (routes, rate limits, retries); what cannot be delivered goes to the dead-letter
 * file (`--dead-letter PATH`, else the config's, else ./kaudit-dead-letter.jsonl, created only when
 * needed), and the exit code is 1.
 */
export async function replayCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rules: { type: 'string', multiple: true, short: 'r' },
      format: { type: 'string', short: 'f', default: 'pretty' },
      lateness: { type: 'string', default: '5m' },
      quiet: { type: 'boolean', short: 'q', default: false },
      'redact-path': { type: 'string', multiple: true },
      'no-redaction': { type: 'boolean', default: false },
      config: { type: 'string', short: 'c' },
      'dead-letter': { type: 'string' },
      profile: { type: 'string', short: 'p' },
    },
  });
  const format = values.format;
  if (format !== 'pretty' && format !== 'json')
    throw new UsageError(`--format must be pretty or json, not "${format}"`);
  const lateness = parseDuration(values.lateness);
  if (lateness === undefined) throw new UsageError(`--lateness "${values.lateness}" is not a duration (e.g. 30s, 5m)`);
  if (positionals.length === 0) throw new UsageError('kaudit replay needs at least one file (or - for stdin)');
  const configPath = values.config ?? (io.env.KAUDIT_CONFIG || undefined);
  if (values['dead-letter'] !== undefined && configPath === undefined)
    throw new UsageError('--dead-letter needs --config (or KAUDIT_CONFIG): without sinks nothing is delivered');

  const rulePaths = values.rules ?? defaultRulePaths(io.env, io.cwd);
  await checkProfile(values.profile, rulePaths);
  let ruleSet;
  try {
    ruleSet = compileRuleSet(
      await loadRuleFiles(rulePaths, values.profile !== undefined ? { profile: values.profile } : {}),
    );
  } catch (err) {
    if (err instanceof RulesError) {
      await printRuleProblems(io, err);
      return 1;
    }
    throw err;
  }

  const redaction = { enabled: !values['no-redaction'], paths: values['redact-path'] ?? [] };
  let delivering: Pick<PipelineOptions, 'sinks' | 'routes' | 'delivery'> = {};
  let deadLetterPath: string | undefined;
  const deliveryEvents: DeliveryEvent[] = [];
  if (configPath !== undefined) {
    const { deliverySetup, loadConfig } = await import('@kaudit/sinks');
    // A bad config ends the run before any work, with every fault listed (exit 1).
    const config = await loadConfig(resolve(io.cwd, configPath));
    const flag = values['dead-letter'];
    const setup = deliverySetup(config, io.env, {
      deadLetter: resolve(io.cwd, flag ?? config.delivery?.deadLetter ?? DEFAULT_DEAD_LETTER),
      onEvent: (e) => void (e.type !== 'dead-lettered' && deliveryEvents.push(e)),
    });
    deadLetterPath = setup.deadLetterPath;
    // A replay waits for its alerts to be delivered or given up (the retry budget bounds that).
    delivering = {
      sinks: setup.sinks,
      ...(setup.routes ? { routes: setup.routes } : {}),
      delivery: { drainTimeout: Infinity, ...setup.delivery },
    };
  }
  const pipeline = createPipeline({ rules: ruleSet, lateness, tick: false, redaction, ...delivering });
  const pending: string[] = [];
  let pendingChars = 0;
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
  // The sinks package (with its Slack clients) is loaded only by the runs that format or deliver with it.
  const pretty = format === 'pretty' ? (await import('@kaudit/sinks')).formatAlertPretty : undefined;
  pipeline.notices$.subscribe((notice) => {
    let text: string | undefined;
    if (pretty === undefined) {
      if (notice.type === 'closed') text = `${JSON.stringify(notice.alert satisfies Alert)}\n`;
    } else if (notice.type !== 'closed') {
      text = pretty(notice, { color });
    }
    if (text === undefined) return;
    pending.push(text);
    pendingChars += text.length;
    // end() releases every held match and closes every open alert in one synchronous burst: tens of
    // MB of output when a file spans less than the lateness. Written out as it comes (stdout to a file
    // or a pipe is synchronous on Linux) rather than held, then joined, until end() returns.
    if (pendingChars >= FLUSH_CHARS) io.stdout.write(take());
  });
  const take = (): string => {
    const text = pending.join('');
    pending.length = 0;
    pendingChars = 0;
    return text;
  };
  const flush = async () => {
    if (pending.length === 0) return;
    await write(io.stdout, take());
  };

  // A mistyped path ends the run before any work, rather than after an hour of replaying the others.
  const { missing, sizes } = await inspectInputs(positionals.filter((p) => p !== '-'));
  if (missing.length > 0) {
    for (const m of missing) await write(io.stderr, `kaudit: cannot read ${m}\n`);
    return 1;
  }

  const progress = io.stderr.isTTY === true && !values.quiet;
  let lastProgress = 0;
  const started = performance.now();
  let failed: KauditError | undefined;
  files: for (const [index, input] of positionals.entries()) {
    const size = sizes.get(input);
    let bytes = 0;
    const options = { ...(input === '-' ? { source: 'stdin' } : {}), onBytes: (n: number) => (bytes += n) };
    try {
      for await (const batch of readEvents(input === '-' ? io.stdin : input, options)) {
        const result = pipeline.pushDecoded(batch);
        for (const r of result.rejected.slice(0, 20)) {
          if (!values.quiet) await write(io.stderr, `kaudit: skipped ${describeWhere(batch.source, r)}: ${r.reason}\n`);
        }
        await flush();
        if (progress && performance.now() - lastProgress > PROGRESS_EVERY_MS) {
          lastProgress = performance.now();
          const file = { index, count: positionals.length, bytes, ...(size ? { size } : {}) };
          await write(io.stderr, `\r${progressLine(pipeline.stats, file, started)}\u001b[K`);
        }
      }
    } catch (err) {
      // A file that fails part-way (truncated gzip, I/O error) ends the run; what was read still alerts.
      if (err instanceof KauditError && err.code === 'unreadable_input') {
        failed = err;
        break files;
      }
      throw err;
    }
  }
  await pipeline.end();
  await flush();
  if (progress) await write(io.stderr, '\r\u001b[K');
  if (!values.quiet) await write(io.stderr, summary(pipeline.stats, started, ruleSet.errors));
  let undelivered = 0;
  if (configPath !== undefined) {
    const report = deliverySummary(pipeline.stats, deliveryEvents, deadLetterPath);
    undelivered = report.undelivered;
    if (!values.quiet || undelivered > 0) await write(io.stderr, report.text);
  }
  if (failed) {
    await write(io.stderr, `kaudit: ${failed.message}\n`);
    return 1;
  }
  return undelivered > 0 ? 1 : 0;
}

/** The paths that cannot be opened for reading (with the reason), and the sizes of those that can. */
async function inspectInputs(paths: string[]): Promise<{ missing: string[]; sizes: Map<string, number> }> {
  const missing: string[] = [];
  const sizes = new Map<string, number>();
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw new Error('is a directory');
      await access(path, constants.R_OK);
      sizes.set(path, info.size);
    } catch (err) {
      missing.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { missing, sizes };
}

function describeWhere(source: string, r: { line?: number; index?: number }): string {
  if (r.line !== undefined) return `${source}:${r.line}`;
  if (r.index !== undefined) return `${source} item ${r.index}`;
  return source;
}

const BAR_WIDTH = 24;

/** `[#########---------------]  38% file 1/2  412,000 events (140,000/s)  3 alerts` */
export function progressLine(
  stats: PipelineStats,
  file: { index: number; count: number; bytes: number; size?: number },
  started: number,
): string {
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(stats.events / Math.max(seconds, 0.001));
  let bar = '';
  if (file.size) {
    const done = Math.min(1, file.bytes / file.size);
    const filled = Math.round(done * BAR_WIDTH);
    bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(done * 100)).padStart(3)}% `;
  }
  return `${bar}file ${file.index + 1}/${file.count}  ${stats.events.toLocaleString('en')} events (${rate.toLocaleString('en')}/s)  ${stats.alerts} alerts`;
}

/** The closing summary on stderr: what was read, refused (and why), matched and raised. */
export function summary(stats: PipelineStats, started: number, ruleErrors: ReadonlyMap<string, number>): string {
  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `kaudit replay: ${stats.events.toLocaleString('en')} events read in ${seconds.toFixed(2)} s, ${stats.rejected} rejected, ${stats.alerts} alerts (${stats.rollups} rolled up)`,
  ];
  const reasons = Object.entries(stats.rejectedByReason).sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of reasons.slice(0, 10)) lines.push(`  rejected ${n} × ${reason}`);
  if (reasons.length > 10) lines.push(`  … ${reasons.length - 10} more reasons`);
  const matches = Object.entries(stats.matches).sort((a, b) => b[1] - a[1]);
  for (const [rule, n] of matches) lines.push(`  matched ${n} × ${rule}`);
  for (const [rule, n] of ruleErrors)
    lines.push(`  ${n} evaluation error(s) in ${rule}: those events did not match it`);
  if (stats.late > 0) lines.push(`  ${stats.late} matches arrived later than the allowed lateness`);
  return `${lines.join('\n')}\n`;
}

/** What delivery did, per sink, and where the undelivered went. */
export function deliverySummary(
  stats: PipelineStats,
  events: readonly DeliveryEvent[],
  deadLetterPath: string | undefined,
): { text: string; undelivered: number } {
  const lines: string[] = [];
  let undelivered = 0;
  for (const [id, s] of Object.entries(stats.deliveries)) {
    const parts = [`${s.delivered + s.digested} of ${s.alerts} alerts delivered`];
    if (s.digested > 0) parts.push(`${s.digested} in ${s.digests} digests`);
    if (s.rollups > 0) parts.push(`${s.rollups} updates`);
    if (s.retried > 0) parts.push(`${s.retried} retries (${s.rateLimited} rate-limited)`);
    if (s.deadLettered > 0) parts.push(`${s.deadLettered} dead-lettered`);
    lines.push(`  sink ${id}: ${parts.join(', ')}`);
    undelivered += s.deadLettered + s.rollupsDeadLettered;
  }
  for (const e of events)
    if (e.type === 'unhealthy') lines.push(`  sink ${e.sink} (${e.destination}) is unhealthy: ${e.reason}`);
    else if (e.type === 'dead-letter-failed')
      lines.push(`  could not write the dead-letter file: ${(e.error as Error)?.message ?? String(e.error)}`);
  if (undelivered > 0 && deadLetterPath) lines.push(`  undelivered notices are in ${deadLetterPath}`);
  return { text: `kaudit replay: delivery\n${lines.join('\n')}\n`, undelivered };
}
