import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AlertNotice } from '../alert/alert.js';

/** One undelivered notice: a line of the dead-letter file. */
export interface DeadLetterEntry {
  /** When it was given up (RFC 3339). */
  time: string;
  sink: string;
  destination: string;
  /** Why, in words (the sink's reason, or the delivery layer's: unhealthy sink, shutdown, queue full). */
  reason: string;
  /** The machine-readable code, when there is one (`invalid_auth`, `timeout`, `shutdown`...). */
  code?: string;
  /** Attempts made (0: never sent, e.g. the sink was already unhealthy). */
  attempts: number;
  /** The notice as it would have been sent (already redacted). */
  notice: AlertNotice;
}

/** Where dead letters go: a file by default, anything in tests. */
export interface DeadLetterWriter {
  write(entry: DeadLetterEntry): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Appends dead letters to a JSON-lines file, one entry per line. The file (and its folder) is created
 * on the first dead letter only, so a healthy run leaves nothing behind. Writes are chained so lines
 * never interleave.
 *
 * @example
 * createDelivery({ sinks, deadLetter: deadLetterFile('/var/lib/kaudit/dead-letter.jsonl') });
 */
export function deadLetterFile(path: string): DeadLetterWriter & { readonly path: string } {
  let chain: Promise<void> = Promise.resolve();
  let created = false;
  return {
    path,
    write(entry) {
      const line = `${JSON.stringify(entry)}\n`;
      const next = chain.then(async () => {
        if (!created) {
          await mkdir(dirname(path), { recursive: true });
          created = true;
        }
        await appendFile(path, line, { encoding: 'utf8', mode: 0o600 });
      });
      // One failed write must not poison the next ones; the caller hears about this one.
      chain = next.catch(() => undefined);
      return next;
    },
    close: () => chain,
  };
}

/**
 * Keeps dead letters in memory: for tests and for callers who ship them elsewhere.
 *
 * @example
 * const dead = memoryDeadLetters(); createDelivery({ sinks, deadLetter: dead }); ... dead.entries
 */
export function memoryDeadLetters(): DeadLetterWriter & { readonly entries: DeadLetterEntry[] } {
  const entries: DeadLetterEntry[] = [];
  return {
    entries,
    async write(entry) {
      entries.push(entry);
    },
  };
}
