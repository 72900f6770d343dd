import type { AuditEvent } from './audit-event.js';
import { compileFactPath } from './fact-path.js';

/** A fact computed from the event rather than read from one field. */
export interface DerivedFact {
  /** One line for `docs/rules.md` and `kaudit rules schema`. */
  readonly description: string;
  readonly get: (event: AuditEvent) => unknown;
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

function username(event: AuditEvent): string | undefined {
  const name = event.user?.username;
  return typeof name === 'string' ? name : undefined;
}

function serviceAccountPart(event: AuditEvent, part: 0 | 1): string | undefined {
  const name = username(event);
  if (name === undefined || !name.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = name.slice(SERVICE_ACCOUNT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  return part === 0 ? rest.slice(0, colon) : rest.slice(colon + 1);
}

/** Decoded values of one query parameter of the request URI (`command` may repeat). */
function queryValues(event: AuditEvent, name: string): string[] | undefined {
  const uri = event.requestURI;
  if (typeof uri !== 'string') return undefined;
  const q = uri.indexOf('?');
  if (q < 0) return undefined;
  const values: string[] = [];
  for (const pair of uri.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key !== name) continue;
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      values.push(decodeURIComponent(raw.replace(/\+/g, ' ')));
    } catch {
      values.push(raw);
    }
  }
  return values.length > 0 ? values : undefined;
}

// Bodies are attacker-controlled: compiled fact paths read own properties only.
const NAME_SOURCES = ['objectRef.name', 'responseObject.metadata.name', 'requestObject.metadata.name'].map(
  compileFactPath,
);
const GENERATE_NAME = compileFactPath('requestObject.metadata.generateName');

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isExecLike(event: AuditEvent): boolean {
  const sub = event.objectRef?.subresource;
  return sub === 'exec' || sub === 'attach';
}

/**
 * Facts kaudit derives from each event. Their names never collide with audit event fields
 * (which all start lower-case and are listed in the audit API); a rule file's `lists` may not reuse them.
 */
export const DERIVED_FACTS: Readonly<Record<string, DerivedFact>> = {
  sourceIP: {
    description:
      'The client address the API server itself observed: the last element of sourceIPs (earlier ones come from X-Forwarded-For and can be forged).',
    get: (e) =>
      Array.isArray(e.sourceIPs) && e.sourceIPs.length > 0 ? e.sourceIPs[e.sourceIPs.length - 1] : undefined,
  },
  isServiceAccount: {
    description: 'true when user.username is a service account (system:serviceaccount:NAMESPACE:NAME).',
    get: (e) => serviceAccountPart(e, 1) !== undefined,
  },
  serviceAccountNamespace: {
    description: 'The namespace of the requesting service account, when the user is one.',
    get: (e) => serviceAccountPart(e, 0),
  },
  serviceAccountName: {
    description: 'The name of the requesting service account, when the user is one.',
    get: (e) => serviceAccountPart(e, 1),
  },
  effectiveUser: {
    description: 'The identity the request acted as: impersonatedUser.username when impersonating, else user.username.',
    get: (e) => {
      const imp = e.impersonatedUser?.username;
      return typeof imp === 'string' ? imp : username(e);
    },
  },
  isAnonymous: {
    description: 'true when the request was unauthenticated (system:anonymous or the system:unauthenticated group).',
    // Read once per event by the rule index: the user object is read once, and a name equal to
    // the literal is a string.
    get: (e) => {
      const user = e.user;
      if (user === undefined || user === null) return false;
      if (user.username === 'system:anonymous') return true;
      const groups = user.groups;
      return Array.isArray(groups) && groups.includes('system:unauthenticated');
    },
  },
  decision: {
    description: 'The authorization decision annotation (allow / forbid), when the policy level records it.',
    get: (e) => e.annotations?.['authorization.k8s.io/decision'],
  },
  requestPath: {
    description: 'requestURI without its query string.',
    get: (e) => {
      const uri = e.requestURI;
      if (typeof uri !== 'string') return undefined;
      const q = uri.indexOf('?');
      return q < 0 ? uri : uri.slice(0, q);
    },
  },
  objectName: {
    description:
      "The object's name even when the API server chose it (generateName): objectRef.name, else the name in the response, else the request's name, else its generateName prefix followed by `*`.",
    get: (e) => {
      for (const source of NAME_SOURCES) {
        const name = nonEmptyString(source(e));
        if (name !== undefined) return name;
      }
      const prefix = nonEmptyString(GENERATE_NAME(e));
      return prefix !== undefined ? `${prefix}*` : undefined;
    },
  },
  execCommand: {
    description:
      'For pods/exec and pods/attach: the command from the request URI, its `command` parameters decoded and joined by spaces.',
    get: (e) => (isExecLike(e) ? queryValues(e, 'command')?.join(' ') : undefined),
  },
  execContainer: {
    description: 'For pods/exec and pods/attach: the target container from the request URI.',
    get: (e) => (isExecLike(e) ? queryValues(e, 'container')?.[0] : undefined),
  },
};

/** True when `name` is one of the derived facts. */
export function isDerivedFact(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(DERIVED_FACTS, name);
}
