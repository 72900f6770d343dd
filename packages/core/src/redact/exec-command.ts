import type { AuditEvent } from '../event/audit-event.js';
import { isRecord, replaceValue } from './replace-value.js';

// The path of an exec or attach request, for events whose objectRef is missing.
const EXEC_PATH = /\/pods\/[^/?]+\/(?:exec|attach)(?:\?|$)/;
const COMMAND_PARAM = /([?&]command=)[^&#]*/g;

/**
 * Replaces the `command` query values of a `pods/exec` or `pods/attach` request URI (each one, so
 * the number of arguments stays visible) and the `command` of a PodExecOptions body. Opt-in: the
 * command is what most exec rules look at, but it may carry a password typed on the command line.
 * Returns how many values were replaced.
 */
export function redactExecCommand(event: AuditEvent, marker: string): number {
  const uri = event.requestURI;
  const sub = event.objectRef?.subresource;
  const isExec = sub === 'exec' || sub === 'attach' || (typeof uri === 'string' && EXEC_PATH.test(uri));
  if (!isExec) return 0;
  let n = 0;
  if (typeof uri === 'string' && uri.includes('command=')) {
    event.requestURI = uri.replace(COMMAND_PARAM, (match: string, key: string) => {
      // Nothing to hide in an empty value, nor in one already redacted.
      if (match.length === key.length || match.slice(key.length) === marker) return match;
      n++;
      return key + marker;
    });
  }
  const body = event.requestObject;
  if (isRecord(body) && Array.isArray(body.command)) {
    const command = body.command as unknown[];
    for (let i = 0; i < command.length; i++) n += replaceValue(command, i, marker);
  }
  return n;
}
