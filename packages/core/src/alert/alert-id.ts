import { createHash } from 'node:crypto';

/**
 * A stable alert id: the same rule, key and window start always give the same id, whatever the
 * arrival order or the process, so sinks and people can correlate repeats and replays.
 */
export function alertId(rule: string, keyText: string, windowStart: number): string {
  return createHash('sha256').update(`${rule}\u0000${keyText}\u0000${windowStart}`).digest('hex').slice(0, 20);
}
