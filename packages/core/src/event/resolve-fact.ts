import type { AuditEvent } from './audit-event.js';
import { DERIVED_FACTS, isDerivedFact } from './derived-facts.js';
import { compileFactPath } from './fact-path.js';

/**
 * The getter for a fact name used in a rule: a derived fact when one has that name, else the event
 * field at that dotted path. (List facts are constants and are resolved by the rule compiler.)
 */
export function eventFactGetter(name: string): (event: AuditEvent) => unknown {
  return isDerivedFact(name) ? DERIVED_FACTS[name]!.get : compileFactPath(name);
}
