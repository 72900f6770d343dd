import { PassThrough, Readable } from 'node:stream';
import type { CommandIO } from './io.js';

/** A CommandIO for tests: stdout and stderr captured as text, read at any time (e.g. while a server runs). */
export function captureIO(options: { env?: NodeJS.ProcessEnv; cwd: string; stdin?: NodeJS.ReadableStream }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io: CommandIO = {
    stdin: options.stdin ?? Readable.from([]),
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd,
  };
  return { io, out: () => out, err: () => err };
}
