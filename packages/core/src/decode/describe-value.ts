/**
 * A short rendering of a value for rejection reasons. Strings are quoted and cut and containers are
 * only named, because reasons are logged and sent back to senders: they must never carry a whole
 * (possibly secret-bearing) payload.
 *
 * @example
 * describeValue(0) // '0'
 * describeValue({ a: 1 }) // 'an object'
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  if (t === 'object') return 'an object';
  if (t === 'number' || t === 'boolean') return String(value);
  return `a ${t}`;
}
