// An alert sample keeps its event's auditID for as long as the alert is open, for up to 100,000 keys
// per rule: a UUID held as 16 one-byte characters instead of 36 saves 20 bytes per sample.

const HEX = '0123456789abcdef';
/** Where a UUID's dashes are. */
const isDash = (i: number): boolean => i === 8 || i === 13 || i === 18 || i === 23;

/**
 * A lowercase UUID (what API servers write as auditID) as 16 characters of one byte each, 36 → 16
 * characters; `undefined` for anything else, which is then held as it is.
 */
export function packUuid(text: string): string | undefined {
  if (text.length !== 36) return undefined;
  const bytes: number[] = [];
  let byte = -1;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (isDash(i)) {
      if (c !== 45) return undefined;
      continue;
    }
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (v < 0) return undefined;
    if (byte < 0) byte = v << 4;
    else {
      bytes.push(byte | v);
      byte = -1;
    }
  }
  return String.fromCharCode(...bytes);
}

/** The UUID text of {@link packUuid}'s 16 characters. */
export function unpackUuid(packed: string): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    const b = packed.charCodeAt(i);
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}
