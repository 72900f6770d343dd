import { createHash } from 'node:crypto';

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
 * Reads a request body as bytes, hashing it on the way, and stops at the first chunk over a limit
 * instead of buffering the rest: the stream is left unread (not cancelled, since cancelling destroys
 * the socket before the 413 or 503 can be written) for the server to discard or close.
 */
export async function readBody(body: ReadableStream<Uint8Array> | null, limits: BodyLimits): Promise<BodyResult> {
  const hash = createHash('sha256');
  if (body === null) return { ok: true, bytes: new Uint8Array(0), digest: hash.digest('hex') };
  const chunks: Uint8Array[] = [];
  let read = 0;
  let admitted = limits.admitted;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      if (read > limits.limit) return { ok: false, why: 'too_large', read };
      if (read > admitted) {
        if (!limits.admit(read - admitted)) return { ok: false, why: 'over_capacity', read };
        admitted = read;
      }
      hash.update(value);
      chunks.push(value);
    }
  } catch (error) {
    return { ok: false, why: 'aborted', read, error };
  } finally {
    reader.releaseLock();
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, read);
  return { ok: true, bytes, digest: hash.digest('hex') };
}
