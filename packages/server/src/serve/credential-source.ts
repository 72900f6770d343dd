import { readFileSync } from 'node:fs';
import { KauditError } from '@kaudit/core';
import type { Logger } from 'pino';
import type { Credentials } from '../app/auth.js';
import { type FileWatch, watchFile } from './watch-file.js';

/** A Basic-auth account. */
export interface BasicCredential {
  username: string;
  password: string;
}

/** Options of {@link credentialSource}. Static values and file contents add up. */
export interface CredentialSourceOptions {
  /** Bearer tokens given directly (e.g. `KAUDIT_AUTH_TOKEN`). */
  tokens?: readonly string[];
  /** A file of bearer tokens, one per line; blank lines and `#` comments ignored. Re-read when it changes. */
  tokenFile?: string;
  /** Basic-auth accounts given directly. */
  basic?: readonly BasicCredential[];
  /** A file of `username:password` lines (the password may contain `:`); blank lines and `#` comments ignored. */
  basicFile?: string;
  /** Allowed client-certificate subjects, passed through to {@link Credentials.clientSubjects}. */
  clientSubjects?: readonly string[];
  /** Whether the listener verifies client certificates (mTLS), passed through to {@link Credentials}. */
  clientCertificates?: boolean;
  /** Polling interval of the files in ms; default 2000. */
  watchInterval?: number;
  /** Reload outcomes are logged here (file paths and counts, never a secret). */
  logger?: Logger;
}

/** The credentials in force, kept current as the files change. */
export interface CredentialSource {
  /** The credentials as of the last good read; cheap, call it per request. */
  current(): Credentials;
  /** Re-reads the files now (e.g. on SIGHUP) instead of waiting for the next poll. */
  check(): Promise<void>;
  /** Stops watching the files. */
  close(): void;
}

interface FileKind<T> {
  /** What the file holds, for messages: `token file`, `basic auth file`. */
  label: string;
  parse(text: string): T[];
}

const tokenKind: FileKind<string> = { label: 'token file', parse: parseTokenFile };
const basicKind: FileKind<BasicCredential> = { label: 'basic auth file', parse: parseBasicFile };

/**
 * The credentials the server checks, from static values and mounted files. The files are read now (an unreadable,
 * empty or malformed file is a startup error) and re-read when their content changes, so a rotated Secret applies
 * without a restart: put the old and the new token in the file, move the clients over, then drop the old one. A file
 * that later becomes unreadable, empty or malformed keeps the last good credentials and logs a warning, because
 * locking every client out (or letting one in by accident) is worse than a late rotation.
 *
 * @example
 * const credentials = credentialSource({ tokenFile: '/var/run/secrets/kaudit/tokens', logger });
 * const app = createApp({ pipeline, auth: createAuth(credentials.current) });
 */
export function credentialSource(options: CredentialSourceOptions): CredentialSource {
  const watches: FileWatch[] = [];
  let tokensFromFile: readonly string[] = [];
  let basicFromFile: readonly BasicCredential[] = [];
  let credentials: Credentials;

  const rebuild = () => {
    credentials = Object.freeze({
      bearerTokens: Object.freeze([...(options.tokens ?? []), ...tokensFromFile]),
      basic: Object.freeze([...(options.basic ?? []), ...basicFromFile]),
      ...(options.clientSubjects === undefined ? {} : { clientSubjects: Object.freeze([...options.clientSubjects]) }),
      ...(options.clientCertificates === undefined ? {} : { clientCertificates: options.clientCertificates }),
    });
  };

  const follow = <T>(path: string, kind: FileKind<T>, apply: (entries: T[]) => void) => {
    const initial = readAtStart(path, kind);
    apply(initial.entries);
    // One warning per failure state: a file missing for an hour must not log every poll, but a different fault
    // (missing, then malformed) is news.
    let failure: string | undefined;
    const warn = (reason: string, fields: Record<string, unknown>) => {
      const state = JSON.stringify([reason, fields]);
      if (state !== failure) {
        options.logger?.warn({ file: path, ...fields }, `${kind.label} ${reason}; keeping the last good credentials`);
      }
      failure = state;
    };
    const watch = watchFile(
      path,
      (content) => {
        let entries: T[];
        try {
          entries = parseEntries(content.toString('utf8'), path, kind);
        } catch (error) {
          warn('is not valid', { reason: (error as Error).message });
          return;
        }
        apply(entries);
        rebuild();
        failure = undefined;
        options.logger?.info({ file: path, entries: entries.length }, `${kind.label} reloaded`);
      },
      {
        interval: options.watchInterval,
        initial: initial.text,
        onError: (error) => warn('cannot be read', { code: (error as NodeJS.ErrnoException).code }),
      },
    );
    watches.push(watch);
  };

  try {
    if (options.tokenFile !== undefined) follow(options.tokenFile, tokenKind, (t) => (tokensFromFile = t));
    if (options.basicFile !== undefined) follow(options.basicFile, basicKind, (b) => (basicFromFile = b));
  } catch (error) {
    for (const watch of watches) watch.close();
    throw error;
  }
  rebuild();

  return {
    current: () => credentials,
    async check() {
      await Promise.all(watches.map((watch) => watch.check()));
    },
    close() {
      for (const watch of watches) watch.close();
    },
  };
}

/**
 * Bearer tokens of a token file: one per line, surrounding whitespace trimmed, blank lines and `#` comments
 * skipped. Throws a KauditError naming the line (never its content) for a line with inner whitespace, which is
 * almost always two tokens pasted on one line.
 */
export function parseTokenFile(text: string): string[] {
  return contentLines(text).map(({ line, number }) => {
    if (/\s/.test(line)) {
      throw new KauditError('server', 'credentials_invalid', `line ${number}: a token cannot contain whitespace`);
    }
    return line;
  });
}

/**
 * Accounts of a Basic-auth file: `username:password` per line, split at the first `:` (passwords may contain
 * colons, usernames cannot), blank lines and `#` comments skipped. Throws a KauditError naming the line (never
 * its content) for a line without a username or password.
 */
export function parseBasicFile(text: string): BasicCredential[] {
  return contentLines(text).map(({ line, number }) => {
    const colon = line.indexOf(':');
    if (colon <= 0 || colon === line.length - 1) {
      throw new KauditError('server', 'credentials_invalid', `line ${number}: expected username:password`);
    }
    return { username: line.slice(0, colon), password: line.slice(colon + 1) };
  });
}

function contentLines(text: string): { line: string; number: number }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: raw.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0 && !line.startsWith('#'));
}

function readAtStart<T>(path: string, kind: FileKind<T>): { text: string; entries: T[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new KauditError('server', 'credentials_unreadable', `cannot read ${kind.label} ${path} (${code})`, {
      cause: error,
    });
  }
  return { text, entries: parseEntries(text, path, kind) };
}

function parseEntries<T>(text: string, path: string, kind: FileKind<T>): T[] {
  let entries: T[];
  try {
    entries = kind.parse(text);
  } catch (error) {
    const detail = error instanceof KauditError ? error.message.replace(/^\[server\] /, '') : String(error);
    throw new KauditError('server', 'credentials_invalid', `${kind.label} ${path}, ${detail}`, { cause: error });
  }
  if (entries.length === 0) {
    throw new KauditError('server', 'credentials_empty', `${kind.label} ${path} has no entries`);
  }
  return entries;
}
