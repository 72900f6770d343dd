import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What {@link readBody} got: the whole body and its SHA-256, or why it stopped reading. */
export type BodyResult =
  | { ok: true; bytes: Uint8Array; digest: string }
  | { ok: false; why: 'too_large' | 'over_capacity' | 'aborted'; read: number; error?: unknown };

/** Limits applied while a body streams in. */
export interface BodyLimits {
  /** Bytes at most; one more and reading stops with `too_large`. */
  limit: number;
  /**
   * Called when the body grows past what was admitted so far (a chunked body, or one longer than its
   * Content-Length claimed): `true` admits `extra` more bytes; `false` stops with `over_capacity`.
   */
  admit(extra: number): boolean;
  /** Bytes already admitted for this body (its Content-Length, or 0). */
  admitted: number;
}

/**
 * Where a body comes from: the Node request under @hono/node-server (`c.env.incoming`), read directly,
 * or a web `ReadableStream` (`Request.body`) elsewhere. Reading the Node request costs far less: the
 * web stream that @hono/node-server would build around it (an undici Request, an AbortSignal, a
 * stream adapter) cost about as much per event as decoding does beyond the parse.
 */
export type BodySource = Readable | ReadableStream<Uint8Array> | null;

/**
 * Reads a request body as bytes, with its SHA-256, and stops at the first chunk over a limit
 * instead of buffering the rest: the stream is left unread (not cancelled or destroyed, since that
 * closes the socket before the 413 or 503 can be written) for the server to discard or close.
 */
export function readBody(body: BodySource, limits: BodyLimits): Promise<BodyResult> {
  if (body === null) return Promise.resolve(done([], 0));
  return body instanceof ReadableStream ? readWeb(body, limits) : readNode(body, limits);
}

/** Counts a chunk against the limits: a refusal, or `undefined` to go on. */
function overLimit(read: number, limits: BodyLimits, admitted: { n: number }): BodyResult | undefined {
  if (read > limits.limit) return { ok: false, why: 'too_large', read };
  if (read > admitted.n) {
    if (!limits.admit(read - admitted.n)) return { ok: false, why: 'over_capacity', read };
    admitted.n = read;
  }
  return undefined;
}

function done(chunks: readonly Uint8Array[], read: number): BodyResult {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, read);
  return { ok: true, bytes, digest: createHash('sha256').update(bytes).digest('hex') };
}

function readNode(incoming: Readable, limits: BodyLimits): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    const admitted = { n: limits.admitted };
    let read = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      resolve(result);
    };
    function onData(chunk: Uint8Array | string): void {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      read += bytes.byteLength;
      const refused = overLimit(read, limits, admitted);
      if (refused !== undefined) {
        // Stop the flow without destroying the socket; the server discards the rest after answering.
        incoming.pause();
        finish(refused);
        return;
      }
      chunks.push(bytes);
    }
    function onEnd(): void {
      finish(done(chunks, read));
    }
    function onError(error: unknown): void {
      finish({ ok: false, why: 'aborted', read, error });
    }
    function onClose(): void {
      if (incoming.readableEnded) onEnd();
      else finish({ ok: false, why: 'aborted', read });
    }
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
    // A request whose body was already complete, or already broken, emits nothing more.
    if (incoming.readableEnded) onEnd();
    else if (incoming.errored) onError(incoming.errored);
    else if (incoming.destroyed) onClose();
  });
}

async function readWeb(body: ReadableStream<Uint8Array>, limits: BodyLimits): Promise<BodyResult> {
  const chunks: Uint8Array[] = [];
  const admitted = { n: limits.admitted };
  let read = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      read += value.byteLength;
      const refused = overLimit(read, limits, admitted);
      if (refused !== undefined) return refused;
      chunks.push(value);
    }
  } catch (error) {
    return { ok: false, why: 'aborted', read, error };
  } finally {
    reader.releaseLock();
  }
  return done(chunks, read);
}
