import { isRecord, replaceValue } from './replace-value.js';

/** `status.token` of a TokenRequest (the issued service-account token). Returns 0 or 1. */
export function redactTokenRequest(obj: Record<string, unknown>, marker: string): number {
  const status = obj.status;
  return isRecord(status) ? replaceValue(status, 'token', marker) : 0;
}

/** `spec.token` of a TokenReview (the token a webhook or aggregated server asks to verify). Returns 0 or 1. */
export function redactTokenReview(obj: Record<string, unknown>, marker: string): number {
  const spec = obj.spec;
  return isRecord(spec) ? replaceValue(spec, 'token', marker) : 0;
}
