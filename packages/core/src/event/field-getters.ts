/**
 * Dedicated getters for the audit event fields rules read most. They return exactly what the
 * generic getter of `compileFactPath` returns (own properties only, `undefined` for anything
 * missing or not an object on the way), but each is its own function with named property reads:
 * V8 then keeps one property cache per field. The generic getter is one function shared by every
 * path, whose keyed reads see every field and every event shape, and stay megamorphic.
 */
import type { FactGetter } from './fact-path.js';

type Fields = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether `x` is an object that `e` holds as own property `key` (`x` being `e[key]`). */
function ownObject(e: object, key: string, x: unknown): x is Fields {
  return x !== null && typeof x === 'object' && hasOwn.call(e, key);
}

// Each getter reads first and checks ownership only for a value that is there: an absent field,
// the common case for most of them, costs one property read.
const GETTERS: Readonly<Record<string, FactGetter>> = {
  verb: (e) => {
    const v = (e as Fields).verb;
    return v !== undefined && hasOwn.call(e, 'verb') ? v : undefined;
  },
  stage: (e) => {
    const v = (e as Fields).stage;
    return v !== undefined && hasOwn.call(e, 'stage') ? v : undefined;
  },
  requestURI: (e) => {
    const v = (e as Fields).requestURI;
    return v !== undefined && hasOwn.call(e, 'requestURI') ? v : undefined;
  },
  userAgent: (e) => {
    const v = (e as Fields).userAgent;
    return v !== undefined && hasOwn.call(e, 'userAgent') ? v : undefined;
  },
  level: (e) => {
    const v = (e as Fields).level;
    return v !== undefined && hasOwn.call(e, 'level') ? v : undefined;
  },
  sourceIPs: (e) => {
    const v = (e as Fields).sourceIPs;
    return v !== undefined && hasOwn.call(e, 'sourceIPs') ? v : undefined;
  },
  user: (e) => {
    const v = (e as Fields).user;
    return v !== undefined && hasOwn.call(e, 'user') ? v : undefined;
  },
  impersonatedUser: (e) => {
    const v = (e as Fields).impersonatedUser;
    return v !== undefined && hasOwn.call(e, 'impersonatedUser') ? v : undefined;
  },
  objectRef: (e) => {
    const v = (e as Fields).objectRef;
    return v !== undefined && hasOwn.call(e, 'objectRef') ? v : undefined;
  },
  responseStatus: (e) => {
    const v = (e as Fields).responseStatus;
    return v !== undefined && hasOwn.call(e, 'responseStatus') ? v : undefined;
  },
  requestObject: (e) => {
    const v = (e as Fields).requestObject;
    return v !== undefined && hasOwn.call(e, 'requestObject') ? v : undefined;
  },
  responseObject: (e) => {
    const v = (e as Fields).responseObject;
    return v !== undefined && hasOwn.call(e, 'responseObject') ? v : undefined;
  },
  annotations: (e) => {
    const v = (e as Fields).annotations;
    return v !== undefined && hasOwn.call(e, 'annotations') ? v : undefined;
  },
  'objectRef.resource': (e) => {
    const x = (e as Fields).objectRef;
    if (!ownObject(e, 'objectRef', x)) return undefined;
    const v = x.resource;
    return v !== undefined && hasOwn.call(x, 'resource') ? v : undefined;
  },
  'objectRef.subresource': (e) => {
    const x = (e as Fields).objectRef;
    if (!ownObject(e, 'objectRef', x)) return undefined;
    const v = x.subresource;
    return v !== undefined && hasOwn.call(x, 'subresource') ? v : undefined;
  },
  'objectRef.namespace': (e) => {
    const x = (e as Fields).objectRef;
    if (!ownObject(e, 'objectRef', x)) return undefined;
    const v = x.namespace;
    return v !== undefined && hasOwn.call(x, 'namespace') ? v : undefined;
  },
  'objectRef.name': (e) => {
    const x = (e as Fields).objectRef;
    if (!ownObject(e, 'objectRef', x)) return undefined;
    const v = x.name;
    return v !== undefined && hasOwn.call(x, 'name') ? v : undefined;
  },
  'objectRef.apiGroup': (e) => {
    const x = (e as Fields).objectRef;
    if (!ownObject(e, 'objectRef', x)) return undefined;
    const v = x.apiGroup;
    return v !== undefined && hasOwn.call(x, 'apiGroup') ? v : undefined;
  },
  'responseStatus.code': (e) => {
    const x = (e as Fields).responseStatus;
    if (!ownObject(e, 'responseStatus', x)) return undefined;
    const v = x.code;
    return v !== undefined && hasOwn.call(x, 'code') ? v : undefined;
  },
  'user.username': (e) => {
    const x = (e as Fields).user;
    if (!ownObject(e, 'user', x)) return undefined;
    const v = x.username;
    return v !== undefined && hasOwn.call(x, 'username') ? v : undefined;
  },
  'user.groups': (e) => {
    const x = (e as Fields).user;
    if (!ownObject(e, 'user', x)) return undefined;
    const v = x.groups;
    return v !== undefined && hasOwn.call(x, 'groups') ? v : undefined;
  },
  'impersonatedUser.username': (e) => {
    const x = (e as Fields).impersonatedUser;
    if (!ownObject(e, 'impersonatedUser', x)) return undefined;
    const v = x.username;
    return v !== undefined && hasOwn.call(x, 'username') ? v : undefined;
  },
  'impersonatedUser.groups': (e) => {
    const x = (e as Fields).impersonatedUser;
    if (!ownObject(e, 'impersonatedUser', x)) return undefined;
    const v = x.groups;
    return v !== undefined && hasOwn.call(x, 'groups') ? v : undefined;
  },
};

/** The dedicated getter of a fact path (as written in rules), or `undefined` when it has none. */
export function fieldGetter(path: string): FactGetter | undefined {
  return hasOwn.call(GETTERS, path) ? GETTERS[path] : undefined;
}

/** The fact paths that have a dedicated getter (for tests). */
export const FIELD_GETTER_PATHS: readonly string[] = Object.keys(GETTERS);
