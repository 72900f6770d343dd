import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { KauditError } from '../errors.js';
import { decodeBody } from './decode-body.js';
import { decodeLineInto, decodeParsedInto, isBlank } from './decode-line.js';
import { addRejection, trackWalkFlags, type DecodeOptions, type DecodeResult } from './decode-result.js';
import { jsonErrorReason } from './json-error-reason.js';
import { LineSplitter, type LineHandler } from './line-splitter.js';
import { resolveLimits, type Limits } from './sanitize.js';

/** Options of {@link readEvents}. */
export interface ReadOptions extends DecodeOptions {
  /** Lines per yielded result (about: a chunk is never split). Default 1,000. */
  batchLines?: number;
  /**
   * Largest single-document file, and longest line, in bytes. Default 256 MiB. A longer line is one
   * rejection; a longer document is a `document_too_large` error.
   */
  maxDocumentBytes?: number;
  /** Called with each raw chunk's size as read (compressed bytes for gzip), for progress reporting. */
  onBytes?: (bytes: number) => void;
}

/** One batch of {@link readEvents}, with the name of the input it came from. */
export type SourcedResult = DecodeResult & { source: string };

/** Default of {@link ReadOptions.maxDocumentBytes}. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

const DEFAULT_BATCH_LINES = 1_000;
const READ_CHUNK_BYTES = 128 * 1024;

/**
 * Streams audit events from a log-backend file (path), stdin (`'-'`) or a readable stream, in
 * batches of about `batchLines` lines so that per-event async overhead stays off the hot path. The
 * input is never held whole: gzip (detected by its magic bytes, not the name) is inflated as it
 * streams, and lines are split as chunks arrive.
 *
 * JSON lines are decoded line by line; a bad line is one rejection with its line number. A file
 * that is one multi-line JSON document (pretty-printed Event, EventList, Azure wrapper) is
 * recognised when its first non-blank line does not parse alone and starts with `{` or `[`: that
 * document alone is accumulated, up to `maxDocumentBytes`, and decoded as one body.
 *
 * An empty input yields nothing. Errors: `unreadable_input` (missing file, bad gzip, stream error;
 * the batch read so far is yielded first), `document_too_large`, and for a single document
 * `invalid_json` / `not_audit_events` as {@link decodeBody} throws them.
 */
export async function* readEvents(
  input: string | NodeJS.ReadableStream,
  options: ReadOptions = {},
): AsyncGenerator<SourcedResult, void, undefined> {
  const source = options.source ?? (input === '-' ? 'stdin' : typeof input === 'string' ? input : 'stream');
  const limits = resolveLimits(options.limits);
  const batchLines = options.batchLines ?? DEFAULT_BATCH_LINES;
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!(batchLines >= 1) || !(maxDocumentBytes >= 1)) {
    throw new KauditError('decode', 'invalid_options', 'batchLines and maxDocumentBytes must be numbers >= 1');
  }

  const opened: NodeJS.ReadableStream =
    input === '-'
      ? process.stdin
      : typeof input === 'string'
        ? createReadStream(input, { highWaterMark: READ_CHUNK_BYTES })
        : input;
  const decoder = new StreamDecoder(limits, source, maxDocumentBytes);
  const splitter = new LineSplitter(decoder, maxDocumentBytes);

  let finished = false;
  try {
    for await (const chunk of inflated(byteChunks(opened, source, options.onBytes), source)) {
      decoder.keepRaw(chunk);
      if (decoder.mode !== 'document') splitter.push(chunk);
      if (decoder.linesInBatch >= batchLines) yield decoder.takeBatch();
    }
    if (decoder.mode !== 'document') splitter.end();
    finished = true;
  } catch (err) {
    // Whatever was decoded before the failure is still delivered.
    if (decoder.hasBatch()) yield decoder.takeBatch();
    throw err;
  } finally {
    // On an early stop the gunzip path may still wait on a read that never comes (a pipe, a
    // socket): destroying the input is what releases it, as a plain for-await would.
    const ownFile = typeof input === 'string' && input !== '-';
    if (!finished || ownFile) (opened as Partial<Readable>).destroy?.();
  }

  if (decoder.mode === 'document') {
    yield decoder.decodeDocument();
  } else if (decoder.hasBatch()) {
    yield decoder.takeBatch();
  }
}

type Mode = 'undetermined' | 'lines' | 'document';

/** The line handler: decides between JSON lines and one document, and collects the batch. */
class StreamDecoder implements LineHandler {
  mode: Mode = 'undetermined';
  linesInBatch = 0;
  private lineNo = 0;
  private batch: DecodeResult = newBatch();
  // Raw bytes since the start, kept only until the mode is known (or for good, in document mode).
  private head: Buffer[] = [];
  private headBytes = 0;
  private headDropped = false;

  constructor(
    private readonly limits: Limits,
    private readonly source: string,
    private readonly maxDocumentBytes: number,
  ) {}

  keepRaw(chunk: Buffer): void {
    if (this.mode === 'lines') return;
    this.headBytes += chunk.length;
    if (this.headBytes > this.maxDocumentBytes) {
      if (this.mode === 'document') throw this.tooLarge();
      // Still undetermined past the limit: the first line is overlong, which lines mode reports.
      this.head = [];
      this.headDropped = true;
      return;
    }
    if (!this.headDropped) this.head.push(chunk);
  }

  line(text: string): void {
    this.lineNo++;
    if (this.mode === 'document') return;
    if (this.mode === 'lines') {
      decodeLineInto(text, this.lineNo, this.limits, this.batch, this.source);
      this.linesInBatch++;
      return;
    }
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (isBlank(text)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      if (startsDocument(text)) {
        if (this.headDropped) throw this.tooLarge();
        this.mode = 'document';
        return;
      }
      this.startLines();
      addRejection(this.batch, `not JSON: ${jsonErrorReason(err)}`, undefined, this.lineNo, this.source);
      this.linesInBatch++;
      return;
    }
    this.startLines();
    const notAudit = decodeParsedInto(parsed, this.limits, this.batch, this.lineNo, this.source);
    if (notAudit !== undefined) {
      addRejection(this.batch, `not an audit event: ${notAudit}`, undefined, this.lineNo, this.source);
    }
    this.linesInBatch++;
  }

  overlong(bytes: number): void {
    this.lineNo++;
    if (this.mode === 'document') return;
    this.startLines();
    addRejection(
      this.batch,
      `line of ${bytes} bytes, longer than ${this.maxDocumentBytes}`,
      undefined,
      this.lineNo,
      this.source,
    );
    this.linesInBatch++;
  }

  hasBatch(): boolean {
    return this.batch.events.length > 0 || this.batch.rejected.length > 0;
  }

  takeBatch(): SourcedResult {
    // The batch object itself is the result: its decoder flags (walkFlags) stay attached to it.
    const result: SourcedResult = Object.assign(this.batch, { source: this.source });
    this.batch = newBatch();
    this.linesInBatch = 0;
    return result;
  }

  decodeDocument(): SourcedResult {
    const body = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    const result = decodeBody(body, { limits: this.limits, source: this.source });
    return { events: result.events, rejected: result.rejected, source: this.source };
  }

  private startLines(): void {
    this.mode = 'lines';
    this.head = [];
  }

  private tooLarge(): KauditError {
    return new KauditError(
      'decode',
      'document_too_large',
      `${this.source}: a single JSON document larger than ${this.maxDocumentBytes} bytes (maxDocumentBytes); ` +
        'write it as JSON lines, one event per line, to stream it',
    );
  }
}

function startsDocument(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) continue;
    return c === 123 /* { */ || c === 91; /* [ */
  }
  return false;
}

function toBuffer(chunk: string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function unreadable(source: string, err: unknown): KauditError {
  if (err instanceof KauditError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KauditError('decode', 'unreadable_input', `cannot read ${source}: ${message}`, { cause: err });
}

/** The input's chunks as Buffers; a read failure becomes `unreadable_input`. */
async function* byteChunks(
  stream: NodeJS.ReadableStream,
  source: string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of stream) {
      const buffer = toBuffer(chunk as string | Uint8Array);
      onBytes?.(buffer.length);
      yield buffer;
    }
  } catch (err) {
    throw unreadable(source, err);
  }
}

/** Passes chunks through, gunzipping them when the input starts with the gzip magic bytes 1f 8b. */
async function* inflated(
  chunks: AsyncGenerator<Buffer, void, undefined>,
  source: string,
): AsyncGenerator<Buffer, void, undefined> {
  // The magic may arrive split across chunks (stdin can deliver one byte at a time).
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const next = await chunks.next();
    if (next.done === true) break;
    if (next.value.length === 0) continue;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first = head.length > 0 ? (head[0] as Buffer) : undefined;
  const second = first === undefined ? undefined : first.length > 1 ? first[1] : head[1]?.[0];
  if (first?.[0] !== 0x1f || second !== 0x8b) {
    try {
      yield* head;
      yield* chunks;
    } finally {
      await chunks.return(undefined);
    }
    return;
  }

  const gunzip = createGunzip();
  const compressed = Readable.from(replay(head, chunks));
  // Errors reach us through gunzip's iterator: pipeline destroys it with the first failure.
  pipeline(compressed, gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof KauditError) throw err;
    throw new KauditError('decode', 'unreadable_input', `cannot read ${source}: gzip: ${jsonErrorReason(err)}`, {
      cause: err,
    });
  } finally {
    gunzip.destroy();
    compressed.destroy();
  }
}

async function* replay(
  head: Buffer[],
  rest: AsyncGenerator<Buffer, void, undefined>,
): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* head;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** An empty batch that records the decoder's redaction flags, so the pipeline can skip the generic walk. */
function newBatch(): DecodeResult {
  const batch: DecodeResult = { events: [], rejected: [] };
  trackWalkFlags(batch);
  return batch;
}
