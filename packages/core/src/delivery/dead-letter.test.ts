import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deadLetterFile, type DeadLetterEntry } from './dead-letter.js';
import { testAlert } from './test-alerts.js';

const entry = (id: string): DeadLetterEntry => ({
  time: '2026-11-26T20:00:00.000Z',
  sink: 'slack',
  destination: 'C123',
  reason: 'invalid_auth',
  code: 'invalid_auth',
  attempts: 1,
  notice: { type: 'alert', alert: testAlert(id) },
});

describe('deadLetterFile', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the file lazily and appends one JSON line per entry, in order', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-dl-'));
    const path = join(dir, 'nested', 'dead.jsonl');
    const writer = deadLetterFile(path);
    await expect(stat(path)).rejects.toThrow();
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write(entry(`a${i}`))));
    await writer.close?.();
    const again = deadLetterFile(path);
    await again.write(entry('after-restart'));
    const lines = (await readFile(path, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetterEntry);
    expect(lines.map((l) => l.notice.alert.id)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `a${i}`),
      'after-restart',
    ]);
    expect(lines[0]).toEqual(entry('a0'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reports a failed write to its caller and keeps writing later entries', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-dl-'));
    const writer = deadLetterFile(join(dir, 'file-as-dir'));
    const blocked = deadLetterFile(join(dir, 'file-as-dir', 'x.jsonl'));
    await writer.write(entry('a'));
    await expect(blocked.write(entry('b'))).rejects.toThrow();
    await writer.write(entry('c'));
    expect((await readFile(join(dir, 'file-as-dir'), 'utf8')).trimEnd().split('\n')).toHaveLength(2);
  });
});
