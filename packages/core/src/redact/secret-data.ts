import { isRecord, replaceValue } from './replace-value.js';

/**
 * Replaces every value of a Secret's `data` and `stringData` maps with `marker`, keeping the keys
 * (rules look at which keys a Secret holds). A map that is not an object (malformed input) is
 * replaced whole. Returns how many values were replaced.
 */
export function redactSecretData(secret: Record<string, unknown>, marker: string): number {
  return redactMap(secret, 'data', marker) + redactMap(secret, 'stringData', marker);
}

/** Replaces every value of the map at `secret[field]`; the map itself when it is not an object. */
export function redactMap(secret: Record<string, unknown>, field: string, marker: string): number {
  const map = secret[field];
  if (map === undefined || map === null) return 0;
  if (!isRecord(map)) return replaceValue(secret, field, marker);
  let n = 0;
  for (const key of Object.keys(map)) n += replaceValue(map, key, marker);
  return n;
}

/** Redacts the data of every object in `list.items` (a SecretList, whose items carry no `kind`). */
export function redactSecretItems(list: Record<string, unknown>, marker: string): number {
  const items = list.items;
  if (!Array.isArray(items)) return 0;
  let n = 0;
  for (const item of items) if (isRecord(item)) n += redactSecretData(item, marker);
  return n;
}
