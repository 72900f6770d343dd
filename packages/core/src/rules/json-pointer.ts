/**
 * JSON Pointers (RFC 6901), the way rule problems say where in a file something is wrong:
 * `/rules/2/threshold/within`. The whole document is the empty pointer `""`.
 */

/** Builds a pointer from keys and indexes, escaping `~` and `/` inside keys. */
export function jsonPointer(...segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) out += '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** Appends keys to an existing pointer. */
export function childPointer(pointer: string, ...segments: ReadonlyArray<string | number>): string {
  return pointer + jsonPointer(...segments);
}

/** The unescaped keys of a pointer: `/a~1b/0` -> `['a/b', '0']`. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** True when `pointer` is `ancestor` itself or lies inside it (`/rules/1/name` is within `/rules/1`, not `/rules/10`). */
export function isWithinPointer(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(ancestor + '/');
}

/** The value a pointer designates in a document, or `undefined` when it does not exist. Own properties only. */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  let value = document;
  for (const key of pointerSegments(pointer)) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Compares two pointers by where they are in `document`: array index, or key order as written;
 * a parent comes before its children. For listing problems in the order of the file.
 */
export function compareDocumentOrder(document: unknown, a: string, b: string): number {
  const sa = pointerSegments(a);
  const sb = pointerSegments(b);
  let container = document;
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const ka = sa[i]!;
    const kb = sb[i]!;
    if (ka !== kb) {
      const position = (key: string): number => {
        if (Array.isArray(container)) return Number(key);
        const index = container !== null && typeof container === 'object' ? Object.keys(container).indexOf(key) : -1;
        // A key that is not there (a missing property) sorts after those that are.
        return index < 0 ? Number.MAX_SAFE_INTEGER : index;
      };
      return position(ka) - position(kb) || (ka < kb ? -1 : 1);
    }
    container = valueAtPointer(container, jsonPointer(ka));
  }
  return sa.length - sb.length;
}
