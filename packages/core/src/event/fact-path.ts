/**
 * Facts are named by the dotted path of a field in the audit event: `user.username`,
 * `objectRef.resource`. A literal dot inside a key is escaped with a backslash:
 * `annotations.authorization\.k8s\.io/decision` (in JSON: `"annotations.authorization\\.k8s\\.io/decision"`).
 */
import { fieldGetter } from './field-getters.js';

/** Keys that must never be followed: they would reach prototypes instead of event data. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Splits a fact path into its keys, honouring `\.` escapes.
 *
 * @example
 * parseFactPath('annotations.authorization\\.k8s\\.io/decision') // ['annotations', 'authorization.k8s.io/decision']
 */
export function parseFactPath(path: string): string[] {
  const keys: string[] = [];
  let key = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && path[i + 1] === '.') {
      key += '.';
      i++;
    } else if (ch === '.') {
      keys.push(key);
      key = '';
    } else {
      key += ch;
    }
  }
  keys.push(key);
  return keys;
}

/** Why a fact path cannot be used, or `undefined` when it can. */
export function factPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'a fact path must not be empty';
  const keys = parseFactPath(path);
  if (keys.some((k) => k.length === 0)) return `"${path}" has an empty segment`;
  const forbidden = keys.find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden) return `"${path}" uses the forbidden key "${forbidden}"`;
  return undefined;
}

/** Reads a value from an event; `undefined` when any step is missing or not an object. */
export type FactGetter = (event: object) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Compiles a dotted fact path into a getter. Only own properties are followed, so `user.toString`
 * is `undefined`, never a function from a prototype.
 */
export function compileFactPath(path: string): FactGetter {
  // The fields rules read most have their own getter (field-getters.ts): same results, faster.
  const dedicated = fieldGetter(path);
  if (dedicated !== undefined) return dedicated;
  return genericFactPath(path);
}

/** {@link compileFactPath} without the dedicated getters: one function shared by every path. */
export function genericFactPath(path: string): FactGetter {
  const keys = parseFactPath(path);
  if (keys.length === 1) {
    const [a] = keys as [string];
    return (e) => (hasOwn.call(e, a) ? (e as Record<string, unknown>)[a] : undefined);
  }
  if (keys.length === 2) {
    const [a, b] = keys as [string, string];
    return (e) => {
      const x = hasOwn.call(e, a) ? (e as Record<string, unknown>)[a] : undefined;
      return x !== null && typeof x === 'object' && hasOwn.call(x, b) ? (x as Record<string, unknown>)[b] : undefined;
    };
  }
  return (e) => {
    let x: unknown = e;
    for (const key of keys) {
      if (x === null || typeof x !== 'object' || !hasOwn.call(x, key)) return undefined;
      x = (x as Record<string, unknown>)[key];
    }
    return x;
  };
}
