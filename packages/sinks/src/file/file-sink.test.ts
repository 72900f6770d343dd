import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertNotice, SendContext } from '@kaudit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testAlert } from '../block-kit/test-alert.js';
import { fileSink } from './file-sink.js';

const context: SendContext = { signal: new AbortController().signal, attempt: 1 };
const notice = (i: number): AlertNotice => ({ type: 'alert', alert: testAlert({ id: `alert-${i}` }) });
const lineBytes = Buffer.byteLength(`${JSON.stringify(notice(0))}\n`);

describe('fileSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-file-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async (file: string) =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { alert: { id: string } }).alert.id);

  it('appends one notice per line, creating the directory, readable by its owner only', async () => {
    const path = join(dir, 'nested', 'alerts.jsonl');
    const sink = fileSink({ path });
    expect(sink.destination?.(notice(0))).toBe(path);
    for (const i of [0, 1, 2]) expect(await sink.send(notice(i), context)).toEqual({ status: 'delivered' });
    await sink.close?.();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(JSON.parse(text.split('\n')[0]!)).toEqual({ type: 'alert', alert: testAlert({ id: 'alert-0' }) });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('appends to an existing file', async () => {
    const path = join(dir, 'alerts.jsonl');
    await writeFile(path, `${JSON.stringify(notice(0))}\n`);
    const sink = fileSink({ path });
    await sink.send(notice(1), context);
    await sink.close?.();
    expect(await lines(path)).toEqual(['alert-0', 'alert-1']);
  });

  it('keeps digests whole on their line', async () => {
    const path = join(dir, 'alerts.jsonl');
    const sink = fileSink({ path });
    const digest = [testAlert({ id: 'a' }), testAlert({ id: 'b' })];
    await sink.send({ type: 'digest', alert: digest[0]!, digest }, context);
    await sink.close?.();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ type: 'digest', alert: digest[0], digest });
  });

  it('rotates by size: path.1 newest, at most maxFiles kept, no line split', async () => {
    const path = join(dir, 'alerts.jsonl');
    // Three lines per file.
    const sink = fileSink({ path, maxBytes: lineBytes * 3, maxFiles: 2 });
    // Sent together: writes and rotations must still not interleave.
    const results = await Promise.all(Array.from({ length: 11 }, (_, i) => sink.send(notice(i), context)));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    await sink.close?.();
    expect((await readdir(dir)).sort()).toEqual(['alerts.jsonl', 'alerts.jsonl.1', 'alerts.jsonl.2']);
    expect(await lines(`${path}.2`)).toEqual(['alert-3', 'alert-4', 'alert-5']);
    expect(await lines(`${path}.1`)).toEqual(['alert-6', 'alert-7', 'alert-8']);
    expect(await lines(path)).toEqual(['alert-9', 'alert-10']);
  });

  it('counts an existing file toward maxBytes', async () => {
    const path = join(dir, 'alerts.jsonl');
    await writeFile(path, 'x'.repeat(lineBytes * 2));
    const sink = fileSink({ path, maxBytes: lineBytes * 2, maxFiles: 1 });
    await sink.send(notice(0), context);
    await sink.close?.();
    expect(await readFile(`${path}.1`, 'utf8')).toBe('x'.repeat(lineBytes * 2));
    expect(await lines(path)).toEqual(['alert-0']);
  });

  it('with maxFiles 0 starts over instead of keeping old files', async () => {
    const path = join(dir, 'alerts.jsonl');
    const sink = fileSink({ path, maxBytes: lineBytes, maxFiles: 0 });
    for (const i of [0, 1, 2]) await sink.send(notice(i), context);
    await sink.close?.();
    expect(await readdir(dir)).toEqual(['alerts.jsonl']);
    expect(await lines(path)).toEqual(['alert-2']);
  });

  it('writes a line larger than maxBytes alone in a fresh file', async () => {
    const path = join(dir, 'alerts.jsonl');
    const sink = fileSink({ path, maxBytes: 10, maxFiles: 3 });
    await sink.send(notice(0), context);
    await sink.send(notice(1), context);
    await sink.close?.();
    expect(await lines(`${path}.1`)).toEqual(['alert-0']);
    expect(await lines(path)).toEqual(['alert-1']);
  });

  it('rejects a path that is a directory as configuration, and keeps working once fixed', async () => {
    const path = join(dir, 'alerts.jsonl');
    await mkdir(path);
    const sink = fileSink({ path });
    expect(await sink.send(notice(0), context)).toEqual({
      status: 'rejected',
      kind: 'config',
      code: 'EISDIR',
      reason: `[sinks] [file] EISDIR: cannot write ${path}`,
    });
    await rm(path, { recursive: true });
    expect(await sink.send(notice(1), context)).toEqual({ status: 'delivered' });
    await sink.close?.();
    expect(await lines(path)).toEqual(['alert-1']);
  });

  it.skipIf(process.getuid?.() === 0)('rejects an unwritable directory as configuration', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    const result = await fileSink({ path: join(locked, 'alerts.jsonl') }).send(notice(0), context);
    expect(result).toMatchObject({ status: 'rejected', kind: 'config', code: 'EACCES' });
  });

  it('refuses bad options', () => {
    expect(() => fileSink({ path: '' })).toThrow('[sinks] [file] a path is required');
    expect(() => fileSink({ path: 'x', maxFiles: -1 })).toThrow('[sinks] [file] maxFiles must be an integer ≥ 0');
  });
});
