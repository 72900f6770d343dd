import { KauditError } from '../errors.js';
import type { AuditEvent } from '../event/audit-event.js';
import { factPathProblem, parseFactPath } from '../event/fact-path.js';
import { replaceValue } from './replace-value.js';

/** The segment of an extra path that matches any key of an object or any index of an array. */
export const WILDCARD = '*';

/** Replaces the values at the configured paths of one event; returns how many were replaced. */
export type PathRedactor = (event: AuditEvent, marker: string) => number;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Compiles the extra redaction paths (`requestObject.spec.password`,
 * `responseObject.items.*.spec.token`) once, so each event only follows keys. A path that cannot be
 * a fact path (empty segment, prototype key) is refused with a KauditError naming it, at start-up
 * rather than silently never matching.
 */
export function compileRedactionPaths(paths: readonly string[]): PathRedactor {
  const compiled: string[][] = [];
  for (const path of paths) {
    const problem = typeof path === 'string' ? factPathProblem(path) : 'a redaction path must be a string';
    if (problem !== undefined) {
      throw new KauditError('redact', 'invalid_redaction_path', `redaction path ${JSON.stringify(path)}: ${problem}`);
    }
    compiled.push(parseFactPath(path));
  }
  // Explicit stacks instead of recursion: a `*` path over a wide body fans out.
  const nodes: unknown[] = [];
  const depths: number[] = [];
  return (event, marker) => {
    let n = 0;
    for (const keys of compiled) {
      const last = keys.length - 1;
      nodes.push(event);
      depths.push(0);
      while (nodes.length > 0) {
        const node = nodes.pop();
        const depth = depths.pop() as number;
        if (node === null || typeof node !== 'object') continue;
        const container = node as Record<string, unknown> | unknown[];
        const key = keys[depth] as string;
        const targets = key === WILDCARD ? Object.keys(container) : hasOwn.call(container, key) ? [key] : [];
        for (const target of targets) {
          if (depth === last) {
            n += replaceValue(container, target, marker);
          } else {
            nodes.push((container as Record<string, unknown>)[target]);
            depths.push(depth + 1);
          }
        }
      }
    }
    return n;
  };
}
