import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';

/** Values a message can use besides event facts. */
export interface MessageContext {
  count: number;
  within?: string;
  distinct?: readonly unknown[];
}

/** A compiled message: call it with the alert's first event and its context. */
export type RenderMessage = (event: AuditEvent, context: MessageContext) => string;

/** Names a template may use that are not event facts. */
export const MESSAGE_VARIABLES: ReadonlySet<string> = new Set(['count', 'within', 'distinct']);

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const MAX_VALUE = 256;
const MAX_DISTINCT = 10;

function show(value: unknown): string {
  if (value === undefined || value === null) return '?';
  let s: string;
  if (typeof value === 'string') s = value;
  else if (Array.isArray(value)) s = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
}

/** The placeholder names of a template, for validation. */
export function templateNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/**
 * Compiles a message template once: `{{user.username}} read {{count}} secrets within {{within}}`.
 * Facts are the same as in conditions (dotted paths and derived facts); `count`, `within` and
 * `distinct` (the distinct values, first ten) come from the alert. Missing values render as `?`.
 */
export function compileMessage(template: string): RenderMessage {
  const parts: Array<string | ((e: AuditEvent, c: MessageContext) => unknown)> = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const name = m[1]!;
    if (name === 'count') parts.push((_e, c) => c.count);
    else if (name === 'within') parts.push((_e, c) => c.within);
    else if (name === 'distinct') {
      parts.push((_e, c) => {
        const values = c.distinct ?? [];
        const shown = values.slice(0, MAX_DISTINCT).map(show).join(', ');
        return values.length > MAX_DISTINCT ? `${shown} and ${values.length - MAX_DISTINCT} more` : shown;
      });
    } else {
      const get = eventFactGetter(name);
      parts.push((e) => get(e));
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return (event, context) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : show(part(event, context));
    return out;
  };
}

/** The message used when a rule has none: what happened, to what, by whom. */
export function defaultMessage(title: string): RenderMessage {
  return (event, context) => {
    const ref = event.objectRef ?? {};
    const resource = [ref.resource, ref.subresource].filter(Boolean).join('/');
    const target = [ref.namespace, ref.name].filter(Boolean).join('/');
    const what = [event.verb, resource, target].filter(Boolean).join(' ');
    const who = event.impersonatedUser?.username
      ? `${show(event.user?.username)} as ${show(event.impersonatedUser.username)}`
      : show(event.user?.username);
    const times = context.count > 1 ? ` (${context.count} events)` : '';
    return `${title}: ${show(what || event.requestURI)} by ${who}${times}`;
  };
}
