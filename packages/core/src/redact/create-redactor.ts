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
  return createRedaction(options).redact;
}

/** The two entry points of one redactor (internal): on any event, and inside the decoder. */
export interface Redaction {
  /** Redacts one event, walking all of it: what {@link createRedactor} returns. */
  redact: Redactor;
  /**
   * The same redaction for an event the decoder has just accepted: the generic walk runs only when
   * the decoder's limits walk saw something it could act on (`mayNeedWalk`), or when the marker is
   * not the default one.
   */
  afterDecode: (event: AuditEvent, mayNeedWalk: boolean) => number;
}

/** Builds a {@link Redaction}; options are checked once, as {@link createRedactor} does. */
export function createRedaction(options: RedactionOptions = {}): Redaction {
  checkOptions(options);
  // Paths are compiled even when redaction is off, so a bad path fails now, not on the day it is turned on.
  const extraPaths =
    options.paths !== undefined && options.paths.length > 0 ? compileRedactionPaths(options.paths) : undefined;
  if (options.enabled === false) return { redact: () => 0, afterDecode: () => 0 };
  const marker = options.marker ?? REDACTED;
  const execCommand = options.execCommand === true;
  const walk = createEventWalk(marker);
  // The default marker is inert: no token prefix, no redacted kind. A custom one might be either, and
  // a targeted replacement could then plant what the walk reacts to, after the decoder looked.
  const alwaysWalk = marker !== REDACTED;
  // Targeted replacements first: the walk then sees only markers there and counts nothing twice.
  const targeted = (event: AuditEvent): number => {
    let n = 0;
    if (execCommand) n += redactExecCommand(event, marker);
    n += redactBodiesByContext(event, marker);
    if (extraPaths !== undefined) n += extraPaths(event, marker);
    return n;
  };
  return {
    redact: (event) => {
      if (event === null || typeof event !== 'object') return 0;
      return targeted(event) + walk(event);
    },
    afterDecode: (event, mayNeedWalk) => {
      const n = targeted(event);
      return mayNeedWalk || alwaysWalk ? n + walk(event) : n;
    },
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
