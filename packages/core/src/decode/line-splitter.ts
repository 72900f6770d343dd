/** Receives what a {@link LineSplitter} finds, one call per line, in order. */
export interface LineHandler {
  /** A complete line, without its `\n` or `\r\n`. */
  line(text: string): void;
  /** A line longer than the splitter's limit, dropped unread; `bytes` is its length. */
  overlong(bytes: number): void;
}

const LF = 10;
const CR = 13;

/**
 * Splits a byte stream into UTF-8 lines on `\n` (a trailing `\r` is dropped). It searches each
 * chunk with `indexOf` (memchr) instead of running a regex over a buffer, and decodes only between
 * newlines, which never fall inside a multi-byte character, so chunks may be cut anywhere. Only the
 * unfinished tail of a chunk is kept, and at most `maxLineBytes` of it: an endless line cannot grow
 * memory without bound.
 *
 * @example
 * const s = new LineSplitter({ line: (t) => console.log(t), overlong: () => {} });
 * s.push(Buffer.from('{"a":')); s.push(Buffer.from('1}\r\n')); s.end(); // logs {"a":1}
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly handler: LineHandler,
    private readonly maxLineBytes: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Feeds the next chunk; calls the handler for every line it completes. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl === -1) break;
      this.emit(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) this.keep(buf, start);
  }

  /** Ends the input: a last line without a final newline is still a line. */
  end(): void {
    if (this.pendingBytes > 0) this.emit(Buffer.alloc(0), 0, 0);
  }

  private emit(buf: Buffer, start: number, end: number): void {
    const total = this.pendingBytes + (end - start);
    if (total > this.maxLineBytes) {
      this.reset();
      this.handler.overlong(total);
      return;
    }
    let text: string;
    if (this.pendingBytes === 0) {
      const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
      text = buf.toString('utf8', start, stop);
    } else {
      // A line cut across chunks: join only its own pieces.
      if (end > start) this.pending.push(buf.subarray(start, end));
      const joined = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, total);
      const stop = total > 0 && joined[total - 1] === CR ? total - 1 : total;
      text = joined.toString('utf8', 0, stop);
      this.reset();
    }
    this.handler.line(text);
  }

  private keep(buf: Buffer, start: number): void {
    const total = this.pendingBytes + (buf.length - start);
    if (total > this.maxLineBytes) {
      // Keep counting so the overlong report is exact, but stop holding the bytes.
      this.pending.length = 0;
    } else {
      // A copy, so a producer that reuses its buffers cannot change a held tail and the rest of
      // a large chunk can be collected.
      this.pending.push(Buffer.from(buf.subarray(start)));
    }
    this.pendingBytes = total;
  }

  private reset(): void {
    this.pending.length = 0;
    this.pendingBytes = 0;
  }
}
