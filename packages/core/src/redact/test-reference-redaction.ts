/**
 * Test-only oracle: redaction as it was before decoding and redaction became one pass (commit
 * a006fb3), frozen here so the single pass can be compared with it. `referenceRedactor` is the old
 * `createRedactor`: targeted replacements, then the generic walk over every object and string of
 * the event, unconditionally. Excluded from the build (`test-*.ts`).
 */
import type { AuditEvent } from '../event/audit-event.js';
import { redactBodiesByContext } from './body-context.js';
import { redactEnvValues } from './env-values.js';
import { redactExecCommand } from './exec-command.js';
import { compileRedactionPaths } from './extra-paths.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { REDACTED } from './marker.js';
import type { RedactionOptions } from './redaction-options.js';
import { redactSecretData, redactSecretItems } from './secret-data.js';
import { redactTokenRequest, redactTokenReview } from './token-objects.js';

// The token patterns of a006fb3, frozen too: a change of the pre-check must not change what matches.
const MIN_TOKEN_LENGTH = 20;
const MAY_HOLD_TOKEN =
  /eyJ|-----BEGIN|xox[abeoprs]-|xapp-|hooks\.slack\.com\/|AKIA|ASIA|gh[pousr]_|github_pat_|[Bb]earer\s/;
const B64TOKEN = '[\\w.~+/=-]';
const TOKEN_PATTERN = new RegExp(
  [
    `([Bb]earer\\s+)(?=${B64TOKEN}{13})(?=${B64TOKEN}*[\\d.~+/=_-])${B64TOKEN}+`,
    '(hooks\\.slack\\.com/(?:services|workflows|triggers)/)[\\w/-]+',
    '(?:(?<![\\w-])|(?<=%[0-9A-Fa-f]{2}))eyJ[\\w-]{8,}\\.eyJ[\\w-]{8,}\\.[\\w-]*',
    '-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\\s\\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)',
    '(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{15,}',
    '(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])',
    'gh[pousr]_[A-Za-z0-9]{20,}',
    'github_pat_\\w{20,}',
  ].join('|'),
  'g',
);

interface Tally {
  n: number;
}

const mayHoldToken = (s: string): boolean => s.length >= MIN_TOKEN_LENGTH && MAY_HOLD_TOKEN.test(s);

function replaceTokens(s: string, marker: string, tally: Tally): string {
  let found = 0;
  const out = s.replace(TOKEN_PATTERN, (_match: string, bearer?: string, hook?: string) => {
    found++;
    return (bearer ?? hook ?? '') + marker;
  });
  if (found === 0) return s;
  tally.n += found;
  return out;
}

/** The old redactor: every event fully walked after the targeted replacements. */
export function referenceRedactor(options: RedactionOptions = {}): (event: AuditEvent) => number {
  const extraPaths =
    options.paths !== undefined && options.paths.length > 0 ? compileRedactionPaths(options.paths) : undefined;
  if (options.enabled === false) return () => 0;
  const marker = options.marker ?? REDACTED;
  const execCommand = options.execCommand === true;
  return (event) => {
    if (event === null || typeof event !== 'object') return 0;
    let n = 0;
    if (execCommand) n += redactExecCommand(event, marker);
    n += redactBodiesByContext(event, marker);
    if (extraPaths !== undefined) n += extraPaths(event, marker);
    return n + referenceWalk(event, marker);
  };
}

/** The old generic walk (event-walk.ts of a006fb3, without its clean-key cache). */
export function referenceWalk(root: object, marker: string): number {
  const tally: Tally = { n: 0 };
  const stack: object[] = [root];
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
      if (key.length >= MIN_TOKEN_LENGTH && mayHoldToken(key)) renameKey(o, key, replaceTokens(key, marker, tally));
    }
  }
  return tally.n;
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

function renameKey(o: Record<string, unknown>, key: string, redacted: string): void {
  if (redacted === key) return;
  let target = redacted;
  for (let i = 2; Object.prototype.hasOwnProperty.call(o, target); i++) target = `${redacted}#${i}`;
  o[target] = o[key];
  delete o[key];
}
