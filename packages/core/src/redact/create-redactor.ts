import { KauditError } from '../errors.js';
import type { AuditEvent } from '../event/audit-event.js';
import { redactBodiesByContext } from './body-context.js';
import { createEventWalk } from './event-walk.js';
import { redactExecCommand } from './exec-command.js';
import { compileRedactionPaths } from './extra-paths.js';
import { REDACTED } from './marker.js';
import type { RedactionOptions } from './redaction-options.js';

/** Redacts one event in place; returns how many values it replaced (for metrics). */
export type Redactor = (event: AuditEvent) => number;

/**
 * Builds the redactor that runs on every event right after decoding, before rules, alerts, logs,
 * sinks or files see it. It mutates the event in place (decoded events are ours) and replaces each
 * secret value with the marker, keeping keys so rules can still test that a field is present:
 * Secret `data`/`stringData` (objects, lists, nested Lists, JSON/merge/strategic patches), the
 * last-applied annotation, TokenRequest/TokenReview tokens, container `env` values, token-shaped
 * strings anywhere (JWT, PEM private key, Slack, AWS key ID, GitHub, Bearer), the configured
 * `paths`, and, when asked, exec commands. Options are checked once, here.
 *
 * @example
 * const redact = createRedactor({ paths: ['requestObject.spec.password'] });
 * const replaced = redact(event); // event now holds "[REDACTED]" where secrets were
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  checkOptions(options);
  // Paths are compiled even when redaction is off, so a bad path fails now, not on the day it is turned on.
  const extraPaths =
    options.paths !== undefined && options.paths.length > 0 ? compileRedactionPaths(options.paths) : undefined;
  if (options.enabled === false) return () => 0;
  const marker = options.marker ?? REDACTED;
  const execCommand = options.execCommand === true;
  const walk = createEventWalk(marker);
  return (event) => {
    if (event === null || typeof event !== 'object') return 0;
    // Targeted replacements first: the walk then sees only markers there and counts nothing twice.
    let n = 0;
    if (execCommand) n += redactExecCommand(event, marker);
    n += redactBodiesByContext(event, marker);
    if (extraPaths !== undefined) n += extraPaths(event, marker);
    return n + walk(event);
  };
}

// Options may come from a config file, so their types are checked at run time too.
function checkOptions(options: RedactionOptions): void {
  const problem = (message: string): KauditError =>
    new KauditError('redact', 'invalid_redaction_options', `redaction options: ${message}`);
  if (options === null || typeof options !== 'object') throw problem('expected an object');
  for (const flag of ['enabled', 'execCommand'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw problem(`"${flag}" must be true or false`);
  }
  if (options.marker !== undefined && typeof options.marker !== 'string') throw problem('"marker" must be a string');
  if (options.paths !== undefined && !Array.isArray(options.paths))
    throw problem('"paths" must be an array of dotted paths');
}
