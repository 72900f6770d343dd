import type { AlertNotice, SendResult, Sink } from '@kaudit/core';
import { formatAlertPretty } from './format-alert-pretty.js';

/** Options of {@link consoleSink}. */
export interface ConsoleSinkOptions {
  /** Sink id used in routes and metrics. Default `console`. */
  id?: string;
  /** Where to write. Default `process.stdout`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** `pretty` (coloured text), `json` (one notice per line), or `auto`: pretty on a terminal. Default `auto`. */
  format?: 'pretty' | 'json' | 'auto';
  /** Colours in pretty mode. Default: on a terminal, unless `NO_COLOR` is set. */
  color?: boolean;
}

/**
 * Writes alerts to the console: readable and coloured on a terminal, JSON lines (`{"type","alert"}`)
 * otherwise, so a log collector gets one parseable record per notice.
 *
 * @example
 * createPipeline({ rules, sinks: [consoleSink({ format: 'json' })] });
 */
export function consoleSink(options: ConsoleSinkOptions = {}): Sink {
  const stream = options.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const format = options.format === undefined || options.format === 'auto' ? (tty ? 'pretty' : 'json') : options.format;
  const color = options.color ?? (tty && !process.env.NO_COLOR);

  return {
    id: options.id ?? 'console',
    type: 'console',
    unlimited: true,
    async send(notice: AlertNotice): Promise<SendResult> {
      const text =
        format === 'pretty'
          ? formatAlertPretty(notice, { color })
          : `${JSON.stringify({ type: notice.type, alert: notice.alert })}\n`;
      // Respect back-pressure: a slow terminal or pipe must slow delivery, not grow memory.
      const ok = stream.write(text);
      if (!ok) await new Promise<void>((resolve) => stream.once('drain', resolve));
      return { status: 'delivered' };
    },
  };
}
