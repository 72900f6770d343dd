import { isRecord } from './replace-value.js';
import { redactSecretData } from './secret-data.js';

/**
 * Redacts a request or response body of an event on the `secrets` resource, where objects need not
 * say `kind: Secret`: merge and strategic-merge patches (`{"data": {...}}`), list items (which the
 * API server sends without `kind`), watch events, Table rows with `includeObject`. Every object
 * below the body gets its `data` and `stringData` values replaced, except under `metadata`, whose
 * labels and annotations could use those words as keys for something else.
 * JSON patch arrays are handled by `redactJsonPatch`. Returns how many values were replaced.
 */
export function redactSecretBody(body: unknown, marker: string): number {
  if (!isRecord(body)) return 0;
  let n = 0;
  const stack: object[] = [body];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      for (const v of node) if (v !== null && typeof v === 'object') stack.push(v);
      continue;
    }
    n += redactSecretData(node, marker);
    for (const key of Object.keys(node)) {
      if (key === 'metadata' || key === 'data' || key === 'stringData') continue;
      const v = node[key];
      if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return n;
}
