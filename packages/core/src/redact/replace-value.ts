/**
 * Replaces `container[key]` with `marker` and returns 1, or returns 0 when there is nothing to hide:
 * the key is absent, its value is null (a merge patch deleting the key reveals nothing) or it is
 * already the marker (so redacting twice counts nothing the second time).
 */
export function replaceValue(
  container: Record<string, unknown> | unknown[],
  key: string | number,
  marker: string,
): number {
  const c = container as Record<string | number, unknown>;
  const v = c[key];
  if (v === undefined || v === null || v === marker) return 0;
  if (!Object.prototype.hasOwnProperty.call(c, key)) return 0;
  c[key] = marker;
  return 1;
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
