import type { AuditEvent } from '../event/audit-event.js';
import { redactJsonPatch } from './json-patch.js';
import { isRecord } from './replace-value.js';
import { redactSecretBody } from './secret-body.js';
import { redactTokenRequest, redactTokenReview } from './token-objects.js';

/**
 * Redacts what only the event's `objectRef` identifies, because the bodies themselves do not say
 * what they are: Secret patches and list items without `kind`, JSON patches (secrets sit under
 * `value`, only `path` names them), TokenRequest and TokenReview bodies without `kind`.
 * Objects that do name their kind are handled by the generic walk. Returns how many values were
 * replaced; 0 at once for events without bodies (Metadata level, the common case).
 */
export function redactBodiesByContext(event: AuditEvent, marker: string): number {
  const req = event.requestObject;
  const res = event.responseObject;
  const hasReq = req !== null && typeof req === 'object';
  const hasRes = res !== null && typeof res === 'object';
  if (!hasReq && !hasRes) return 0;
  const ref = event.objectRef;
  const resource = isRecord(ref) ? ref.resource : undefined;
  const subresource = isRecord(ref) ? ref.subresource : undefined;
  const isSecret = resource === 'secrets' && subresource === undefined;
  let n = 0;
  if (Array.isArray(req)) n += redactJsonPatch(req, isSecret, marker);
  if (isSecret) n += redactSecretBody(req, marker) + redactSecretBody(res, marker);
  if (resource === 'serviceaccounts' && subresource === 'token') {
    if (isRecord(req)) n += redactTokenRequest(req, marker);
    if (isRecord(res)) n += redactTokenRequest(res, marker);
  } else if (resource === 'tokenreviews') {
    if (isRecord(req)) n += redactTokenReview(req, marker);
    if (isRecord(res)) n += redactTokenReview(res, marker);
  }
  return n;
}
