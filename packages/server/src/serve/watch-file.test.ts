import { mkdtemp, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FileWatch, watchFile } from './watch-file.js';

describe('watchFile', () => {
  let dir: string;
  const watches: FileWatch[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-watch-'));
  });
  afterEach(async () => {
    for (const watch of watches.splice(0)) watch.close();
    await rm(dir, { recursive: true, force: true });
  });
  const watch = (path: string, onChange: (content: Buffer) => void, options?: Parameters<typeof watchFile>[2]) => {
    const w = watchFile(path, onChange, options);
    watches.push(w);
    return w;
  };

  it('reports a content change on its own polling timer', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'old\n');
    const seen: string[] = [];
    watch(path, (content) => seen.push(content.toString('utf8')), { interval: 20, initial: 'old\n' });
    await writeFile(path, 'new\n');
    await vi.waitFor(() => expect(seen).toEqual(['new\n']), { timeout: 10_000, interval: 10 });
  });

  it('sees a Kubernetes-style ..data symlink swap', async () => {
    // The kubelet's AtomicWriter layout: token -> ..data/token, ..data -> ..<timestamp> (swapped by rename).
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'token'), 'first');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'token'), join(dir, 'token'));
    const seen: string[] = [];
    const w = watch(join(dir, 'token'), (content) => seen.push(content.toString('utf8')), {
      interval: 60_000,
      initial: 'first',
    });

    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'token'), 'second');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..v1'), { recursive: true });

    expect(await w.check()).toBe(true);
    expect(seen).toEqual(['second']);
  });

  it('does not report a rewrite with the same content, nor a file that vanishes and comes back unchanged', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'same');
    const seen: string[] = [];
    const errors: unknown[] = [];
    const w = watch(path, (content) => seen.push(content.toString('utf8')), {
      interval: 60_000,
      onError: (error) => errors.push(error),
    });
    expect(await w.check()).toBe(false); // the first read is the baseline
    await writeFile(path, 'same');
    expect(await w.check()).toBe(false);
    await rm(path);
    expect(await w.check()).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOENT' })]);
    await writeFile(path, 'same');
    expect(await w.check()).toBe(false);
    await writeFile(path, 'changed');
    expect(await w.check()).toBe(true);
    expect(seen).toEqual(['changed']);
  });

  it('reports against the content the caller already read', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'changed before the watch started');
    const seen: string[] = [];
    const w = watch(path, (content) => seen.push(content.toString('utf8')), { interval: 60_000, initial: 'read' });
    expect(await w.check()).toBe(true);
    expect(seen).toEqual(['changed before the watch started']);
  });

  it('passes an exception of the callback to onError and keeps watching', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'a');
    const errors: unknown[] = [];
    let calls = 0;
    const w = watch(
      path,
      () => {
        calls += 1;
        throw new Error('reload failed');
      },
      { interval: 60_000, initial: 'a', onError: (error) => errors.push(error) },
    );
    await writeFile(path, 'b');
    expect(await w.check()).toBe(true);
    await writeFile(path, 'c');
    expect(await w.check()).toBe(true);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('reload failed'), new Error('reload failed')]);
  });

  it('stops after close', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'a');
    const seen: string[] = [];
    const w = watch(path, (content) => seen.push(content.toString('utf8')), { interval: 60_000, initial: 'a' });
    w.close();
    await writeFile(path, 'b');
    expect(await w.check()).toBe(false);
    expect(seen).toEqual([]);
  });
});
