import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Options of {@link watchFile}. */
export interface WatchFileOptions {
  /** Polling interval in ms; default 2000. */
  interval?: number;
  /**
   * The content the caller already acted on. Changes are reported against it, so a change between the caller's own
   * read and the first poll is not lost. Without it the first successful read is the baseline.
   */
  initial?: string | Uint8Array;
  /**
   * Called when a poll cannot read the file (missing while a Secret is being swapped, permissions) or `onChange`
   * threw. After a failed read the last content stays the baseline, so the file reappearing unchanged is not a
   * change. Default: ignored (a watch never crashes the process).
   */
  onError?: (error: unknown) => void;
}

/** A running file watch. */
export interface FileWatch {
  /**
   * Reads the file now (after a read in progress) and resolves `true` when that read reported a change. For
   * "re-read now" triggers such as SIGHUP, and for tests that must not wait for the timer.
   */
  check(): Promise<boolean>;
  /** Stops polling; no callback runs after it returns. */
  close(): void;
}

/**
 * Calls `onChange` with the new content whenever the content of `path` changes, by reading and hashing it every
 * `interval` ms. Polling, not inotify: Kubernetes updates a mounted Secret or ConfigMap by swapping a `..data`
 * symlink, which an `fs.watch` on the file itself never sees, and mtime/size can stay the same across a rotation.
 * Reads never overlap and the timer does not keep the process alive.
 *
 * @example
 * const watch = watchFile('/var/run/secrets/kaudit/token', (content) => reload(content.toString('utf8')));
 * // later
 * watch.close();
 */
export function watchFile(
  path: string,
  onChange: (content: Buffer) => void,
  options: WatchFileOptions = {},
): FileWatch {
  const interval = options.interval ?? 2000;
  let last = options.initial === undefined ? undefined : digest(options.initial);
  let closed = false;
  let inFlight: Promise<boolean> | undefined;

  const poll = async (): Promise<boolean> => {
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      if (!closed) options.onError?.(error);
      return false;
    }
    if (closed) return false;
    const current = digest(content);
    const changed = last !== undefined && current !== last;
    last = current;
    if (changed) {
      try {
        onChange(content);
      } catch (error) {
        options.onError?.(error);
      }
    }
    return changed;
  };

  // One read at a time: a slow filesystem must not pile up reads, and two reads racing could report a change twice.
  const run = (): Promise<boolean> => {
    const next = (inFlight ?? Promise.resolve(false)).then(poll, poll);
    const tracked = next.finally(() => {
      if (inFlight === tracked) inFlight = undefined;
    });
    inFlight = tracked;
    return tracked;
  };

  const timer = setInterval(() => {
    if (inFlight === undefined && !closed) void run();
  }, interval);
  timer.unref();
  if (last === undefined) void run();
  return {
    check: () => (closed ? Promise.resolve(false) : run()),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}

function digest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
