import { pino, type DestinationStream, type Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default `info`. */
  level?: string;
  /** Where the JSON lines go. Default: stderr, written synchronously so nothing is lost on exit. */
  stream?: DestinationStream | NodeJS.WritableStream;
}

/**
 * Paths whose values are replaced by `[redacted]` wherever they are logged: credentials in request
 * headers and in any object a log call might carry (settings, options, errors). Redaction by path is a
 * safety net; the server's own log calls never pass secrets or whole events in the first place.
 */
export const LOG_REDACT_PATHS = [
  'authorization',
  'cookie',
  'password',
  'token',
  'tokens',
  'key',
  'secret',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  '*.password',
  '*.token',
  '*.tokens',
  '*.key',
  '*.secret',
  '*.basic',
  '*.*.password',
  '*.*.token',
  '*.*.tokens',
  '*.*.key',
  '*.*.basic',
  'settings.auth',
  'settings.config.sinks[*].options',
  'config.sinks[*].options',
  'sinks[*].options',
];

/**
 * The server's logger: pino JSON lines with {@link LOG_REDACT_PATHS} redacted.
 *
 * @example
 * const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
 * logger.info({ url }, 'listening');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      // The pid lets scripts signal the server itself when a wrapper (pnpm, npx) started it.
      base: { name: 'kaudit', pid: process.pid },
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream as DestinationStream,
  );
}

export type { Logger };
