/**
 * Parses the text of a JSON file for people: a syntax error says line and column (V8's
 * `JSON.parse` messages often give neither), and duplicate keys, which `JSON.parse` silently
 * resolves to the last one, are reported: in a rule file a repeated `"severity"` or list name
 * is a mistake.
 */
import { childPointer } from './json-pointer.js';

/** Where a problem is in the text (1-based; columns count UTF-16 code units, as editors mostly do). */
export interface TextPosition {
  line: number;
  column: number;
}

/** A key that appears twice in the same object. */
export interface DuplicateKey extends TextPosition {
  /** JSON pointer of the key (the value kept is the last one). */
  pointer: string;
  key: string;
}

/** What {@link parseJsonText} returns: the value, or the first syntax error. */
export type JsonTextResult =
  | { ok: true; value: unknown; duplicateKeys: DuplicateKey[] }
  | { ok: false; error: TextPosition & { message: string } };

/** Deeper nesting is refused: the scanner recurses. */
const MAX_NESTING = 1000;

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** The 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON text (RFC 8259; a leading byte-order mark is ignored). The value is exactly what
 * `JSON.parse` gives; this only adds positions and duplicate keys.
 *
 * @example
 * const r = parseJsonText('{"a": 1,}');
 * // r.ok === false, r.error: { line: 1, column: 9, message: 'trailing comma: expected a property name in double quotes' }
 */
export function parseJsonText(text: string): JsonTextResult {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const duplicateKeys: DuplicateKey[] = [];
  try {
    new Scanner(source, duplicateKeys).document();
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { ok: false, error: { ...positionOf(source, err.offset), message: err.message } };
  }
  try {
    return { ok: true, value: JSON.parse(source) as unknown, duplicateKeys };
  } catch (err) {
    // The scanner follows the same grammar, so this means a scanner bug; still say something useful.
    return { ok: false, error: { line: 1, column: 1, message: (err as Error).message } };
  }
}

/** A recursive-descent JSON recognizer that builds no values, only positions and duplicate keys. */
class Scanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly duplicates: DuplicateKey[],
  ) {}

  document(): void {
    this.whitespace();
    if (this.i >= this.text.length) this.fail('the file is empty: expected a JSON value');
    this.value('', 0);
    this.whitespace();
    if (this.i < this.text.length) this.fail('unexpected text after the JSON value');
  }

  private fail(message: string, offset = this.i): never {
    throw new JsonSyntaxError(message, offset);
  }

  /** What is at the cursor, for messages. */
  private found(): string {
    if (this.i >= this.text.length) return 'end of file';
    const rest = this.text.slice(this.i, this.i + 12);
    const token = /^(?:"[^"\n]{0,10}"?|[^\s,:[\]{}"]+|.)/.exec(rest)?.[0] ?? rest[0]!;
    return JSON.stringify(token);
  }

  private expected(what: string): never {
    if (this.text.startsWith('//', this.i) || this.text.startsWith('/*', this.i))
      this.fail('comments are not allowed in JSON');
    this.fail(`expected ${what}; found ${this.found()}`);
  }

  private whitespace(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(pointer: string, depth: number): void {
    if (depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
    const c = this.text[this.i];
    if (c === '{') this.object(pointer, depth);
    else if (c === '[') this.array(pointer, depth);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else if (this.text.startsWith('true', this.i)) this.i += 4;
    else if (this.text.startsWith('false', this.i)) this.i += 5;
    else if (this.text.startsWith('null', this.i)) this.i += 4;
    else if (c === "'") this.fail('strings must use double quotes');
    else this.expected('a value (object, array, string, number, true, false or null)');
  }

  private object(pointer: string, depth: number): void {
    const keys = new Set<string>();
    this.i++; // {
    this.whitespace();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.i] !== '"') {
        if (this.text[this.i] === '}') this.fail('trailing comma: expected a property name in double quotes');
        this.expected('a property name in double quotes');
      }
      const keyStart = this.i;
      this.string();
      const key = JSON.parse(this.text.slice(keyStart, this.i)) as string;
      const keyPointer = childPointer(pointer, key);
      if (keys.has(key)) this.duplicates.push({ pointer: keyPointer, key, ...positionOf(this.text, keyStart) });
      keys.add(key);
      this.whitespace();
      if (this.text[this.i] !== ':') this.expected('":" after the property name');
      this.i++;
      this.whitespace();
      this.value(keyPointer, depth + 1);
      this.whitespace();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return;
      }
      this.expected('"," or "}" after the property value');
    }
  }

  private array(pointer: string, depth: number): void {
    this.i++; // [
    this.whitespace();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (let index = 0; ; index++) {
      this.whitespace();
      if (this.text[this.i] === ']') this.fail('trailing comma: expected a value');
      this.value(childPointer(pointer, index), depth + 1);
      this.whitespace();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return;
      }
      this.expected('"," or "]" after the array item');
    }
  }

  private string(): void {
    const t = this.text;
    this.i++; // opening quote
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20)
        this.fail(
          c === 0x0a
            ? 'unterminated string (a line break must be written \\n)'
            : 'control character in a string: escape it',
        );
      if (c === 0x5c) {
        const e = t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6)))
            this.fail('invalid \\u escape: expected four hex digits');
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.i += 2;
        } else {
          this.fail(`invalid escape "\\${e ?? ''}" in a string`);
        }
        continue;
      }
      this.i++;
    }
    this.fail('unterminated string: expected a closing double quote');
  }

  private number(): void {
    const match = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    match.lastIndex = this.i;
    const m = match.exec(this.text);
    if (m === null) this.expected('a number');
    const end = this.i + m[0].length;
    // "01" or "1." would otherwise stop early and fail later with a less helpful message.
    const next = this.text[end];
    if (next !== undefined && /[0-9.eE]/.test(next)) this.fail(`invalid number ${this.found()}`);
    this.i = end;
  }
}
