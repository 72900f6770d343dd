import { redactEnvValues } from './env-values.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { redactSecretData, redactSecretItems } from './secret-data.js';
import { redactTokenRequest, redactTokenReview } from './token-objects.js';
import { MIN_TOKEN_LENGTH, mayHoldToken, replaceTokens, type Tally } from './token-patterns.js';

/**
 * Keys repeat from event to event (`requestReceivedTimestamp`, `f:terminationMessagePolicy`) and
 * JSON.parse interns them, so a set lookup replaces the token check for keys already seen clean.
 * Bounded, because keys are chosen by whoever writes the objects.
 */
const CLEAN_KEYS_LIMIT = 10_000;

/** Redacts one whole event in a single walk; returns how many values were replaced. */
export type EventWalk = (root: object) => number;

/**
 * Builds the generic pass: one walk over every object, array and string of the event, with an
 * explicit stack (no recursion, so depth cannot overflow it) reused from event to event.
 *
 * At each object, before its children are visited: objects whose `kind` says Secret, SecretList,
 * TokenRequest or TokenReview lose their secret fields; an `env` array loses its values; the
 * last-applied annotation is replaced whole. Then every remaining string (values and keys) is
 * checked for token-shaped credentials. Whole-value replacements come first so a token inside a
 * value that is replaced anyway is not counted twice.
 */
export function createEventWalk(marker: string): EventWalk {
  const stack: object[] = [];
  const tally: Tally = { n: 0 };
  const cleanKeys = new Set<string>();
  return (root) => {
    tally.n = 0;
    stack.length = 0;
    stack.push(root);
    while (stack.length > 0) {
      const node = stack.pop() as object;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          const v: unknown = node[i];
          if (typeof v === 'string') {
            if (mayHoldToken(v)) node[i] = replaceTokens(v, marker, tally);
          } else if (v !== null && typeof v === 'object') {
            stack.push(v);
          }
        }
        continue;
      }
      const o = node as Record<string, unknown>;
      const kind = o.kind;
      if (typeof kind === 'string') tally.n += redactByKind(o, kind, marker);
      // for-in without an own-property check: events come from JSON.parse, whose objects inherit
      // only Object.prototype (nothing enumerable), and the check costs a fifth of the walk.
      for (const key in o) {
        const v = o[key];
        if (typeof v === 'string') {
          if (key === LAST_APPLIED_ANNOTATION) {
            if (v !== marker) {
              o[key] = marker;
              tally.n++;
            }
          } else if (mayHoldToken(v)) {
            o[key] = replaceTokens(v, marker, tally);
          }
        } else if (v !== null && typeof v === 'object') {
          if (key === 'env' && Array.isArray(v)) tally.n += redactEnvValues(v, marker);
          else if (key === LAST_APPLIED_ANNOTATION) {
            o[key] = marker;
            tally.n++;
            continue;
          }
          stack.push(v);
        }
        if (key.length >= MIN_TOKEN_LENGTH && !cleanKeys.has(key)) {
          if (mayHoldToken(key)) renameKey(o, key, replaceTokens(key, marker, tally));
          else if (cleanKeys.size < CLEAN_KEYS_LIMIT) cleanKeys.add(key);
        }
      }
    }
    return tally.n;
  };
}

function redactByKind(o: Record<string, unknown>, kind: string, marker: string): number {
  switch (kind) {
    case 'Secret':
      return redactSecretData(o, marker);
    case 'SecretList':
      return redactSecretItems(o, marker);
    case 'TokenRequest':
      return redactTokenRequest(o, marker);
    case 'TokenReview':
      return redactTokenReview(o, marker);
    default:
      return 0;
  }
}

/**
 * Moves a value to a key with its token replaced. Keys never hold tokens in Kubernetes objects, but
 * custom resources and user-supplied maps can; a suffix keeps two redacted keys from colliding.
 */
function renameKey(o: Record<string, unknown>, key: string, redacted: string): void {
  if (redacted === key) return;
  let target = redacted;
  for (let i = 2; Object.prototype.hasOwnProperty.call(o, target); i++) target = `${redacted}#${i}`;
  o[target] = o[key];
  delete o[key];
}
