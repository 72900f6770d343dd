import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KauditError, type AlertNotice, type SendResult, type Sink } from '@kaudit/core';

/** Options of {@link fileSink}. */
export interface FileSinkOptions {
  /** Sink id used in routes and metrics. Default `file`. */
  id?: string;
  /** The JSON-lines file to append to; its directory is created when missing. */
  path: string;
  /** Rotate before a line would take the file past this size. Default 100 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`path.1` newest … `path.N` oldest). Default 5; 0 keeps none. */
  maxFiles?: number;
}

/** Errors that no retry will fix: the path itself is wrong. */
const CONFIG_ERRORS = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENAMETOOLONG', 'ELOOP']);

/**
 * Archives notices as JSON lines (`{"type":"alert","alert":{…}}`, one notice per line, appended), with
 * rotation by size: `path` → `path.1` → `path.2` …, keeping `maxFiles`. Alerts are redacted before any
 * sink sees them, so the archive holds no secrets; the file is created readable by its owner only.
 *
 * @example
 * createPipeline({ rules, sinks: [fileSink({ path: '/var/log/kaudit/alerts.jsonl', maxBytes: 50 << 20, maxFiles: 10 })] });
 */
export function fileSink(options: FileSinkOptions): Sink {
  if (!options.path) throw new KauditError('sinks', 'invalid_options', '[file] a path is required');
  const { path } = options;
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 5;
  if (!(maxBytes > 0)) throw new KauditError('sinks', 'invalid_options', '[file] maxBytes must be > 0');
  if (!Number.isInteger(maxFiles) || maxFiles < 0) {
    throw new KauditError('sinks', 'invalid_options', '[file] maxFiles must be an integer ≥ 0');
  }

  let handle: FileHandle | undefined;
  let size = 0;
  // Sends may overlap; lines and rotations must not.
  let queue: Promise<unknown> = Promise.resolve();

  const openFile = async (): Promise<FileHandle> => {
    if (handle) return handle;
    await mkdir(dirname(path), { recursive: true });
    const opened = await open(path, 'a', 0o600);
    size = (await opened.stat()).size;
    handle = opened;
    return opened;
  };

  const rotate = async (): Promise<void> => {
    await handle?.close();
    handle = undefined;
    if (maxFiles === 0) {
      await rm(path, { force: true });
      return;
    }
    await rm(`${path}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) {
      const from = `${path}.${i}`;
      if (await exists(from)) await rename(from, `${path}.${i + 1}`);
    }
    await rename(path, `${path}.1`);
  };

  const write = async (line: Buffer): Promise<void> => {
    await openFile();
    // A line larger than maxBytes still gets written, alone in a fresh file.
    if (size > 0 && size + line.length > maxBytes) await rotate();
    const file = await openFile();
    await file.write(line);
    size += line.length;
  };

  return {
    id: options.id ?? 'file',
    type: 'file',
    unlimited: true,
    destination: () => path,
    send(notice: AlertNotice): Promise<SendResult> {
      const record = { type: notice.type, alert: notice.alert, ...(notice.digest ? { digest: notice.digest } : {}) };
      const line = Buffer.from(`${JSON.stringify(record)}\n`);
      // `queue` never rejects: every failure becomes a SendResult here.
      const settled = queue
        .then(() => write(line))
        .then(
          (): SendResult => ({ status: 'delivered' }),
          (error: unknown): SendResult => {
            // A failed write may leave the handle unusable: reopen on the next send.
            const stale = handle;
            handle = undefined;
            void stale?.close().catch(() => undefined);
            const code = (error as NodeJS.ErrnoException).code ?? 'write_failed';
            const reason = `[sinks] [file] ${code}: cannot write ${path}`;
            return CONFIG_ERRORS.has(code)
              ? { status: 'rejected', kind: 'config', code, reason }
              : { status: 'retry', code, reason };
          },
        );
      queue = settled;
      return settled;
    },
    async close() {
      await queue;
      await handle?.close();
      handle = undefined;
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
