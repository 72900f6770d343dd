import { isRecord, replaceValue } from './replace-value.js';

/**
 * Replaces `value` in every item of a container `env` array, keeping `name` and `valueFrom` (which
 * only points at a Secret or ConfigMap). Items without a `name` are redacted too: an `env` list of
 * `value`s in a custom resource deserves the same care. Returns how many values were replaced.
 */
export function redactEnvValues(env: unknown[], marker: string): number {
  let n = 0;
  for (const item of env) if (isRecord(item)) n += replaceValue(item, 'value', marker);
  return n;
}
