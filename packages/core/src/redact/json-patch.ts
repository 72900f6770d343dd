import { redactEnvValues } from './env-values.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { isRecord, replaceValue } from './replace-value.js';
import { redactMap, redactSecretData } from './secret-data.js';

// JSON pointers (RFC 6901) that reach an env value, one env entry, or a whole env array.
const ENV_VALUE = /\/env\/(?:\d+|-)\/value$/;
const ENV_ENTRY = /\/env\/(?:\d+|-)$/;
const ENV_ARRAY = /\/env$/;
// `/` inside a key is escaped `~1` in a JSON pointer.
const LAST_APPLIED_POINTER = '/' + LAST_APPLIED_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Redacts the values of a JSON patch (`[{op, path, value}]`), where the secret sits under `value`
 * and only `path` says what it is: env values (`.../env/0/value`, a whole entry, a whole array), the
 * last-applied annotation, and, when the patched resource is a Secret, `/data` and `/stringData`
 * (whole maps or single keys) and whole-object replacements. Values that are objects are also walked
 * by the generic pass later, so an env array or annotation nested deeper in a `value` is caught there.
 * Returns how many values were replaced.
 */
export function redactJsonPatch(ops: unknown[], isSecret: boolean, marker: string): number {
  let n = 0;
  for (const op of ops) {
    if (!isRecord(op)) continue;
    const path = op.path;
    if (typeof path !== 'string' || !('value' in op)) continue;
    const value = op.value;
    if (ENV_VALUE.test(path) || path.endsWith(LAST_APPLIED_POINTER)) {
      n += replaceValue(op, 'value', marker);
    } else if (ENV_ENTRY.test(path)) {
      if (isRecord(value)) n += replaceValue(value, 'value', marker);
    } else if (ENV_ARRAY.test(path)) {
      if (Array.isArray(value)) n += redactEnvValues(value, marker);
    } else if (isSecret) {
      n += redactSecretPatchOp(op, path, value, marker);
    }
  }
  return n;
}

function redactSecretPatchOp(op: Record<string, unknown>, path: string, value: unknown, marker: string): number {
  if (path === '/data' || path === '/stringData') return redactMap(op, 'value', marker);
  if (path.startsWith('/data/') || path.startsWith('/stringData/')) return replaceValue(op, 'value', marker);
  if ((path === '' || path === '/') && isRecord(value)) return redactSecretData(value, marker);
  return 0;
}
