import { createHash } from 'node:crypto';

/**
 * A stable alert id: the same rule, key and window start always give the same id, whatever the
 * arrival order or the process, so sinks and people can correlate repeats and replays.
 */
export function alertId(rule: string, keyText: string, windowStart: number): string {
  // The first 10 bytes as hex: a flat 20-character string. A slice of the 64-character hex digest
  // would keep the whole digest alive for as long as the alert is open.
  return createHash('sha256').update(`${rule}\u0000${keyText}\u0000${windowStart}`).digest().toString('hex', 0, 10);
}
