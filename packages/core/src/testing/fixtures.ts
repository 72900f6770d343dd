import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeBody } from '../decode/decode-body.js';
import type { AuditEvent } from '../event/audit-event.js';

function findFixtures(): string {
  if (process.env.KAUDIT_FIXTURES) return resolve(process.env.KAUDIT_FIXTURES);
  // The real-data fixtures live beside the repository: <repo>/../shared/fixtures.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return resolve(dir, '..', 'shared', 'fixtures');
    dir = dirname(dir);
  }
  return resolve(process.cwd(), '..', 'shared', 'fixtures');
}

/** Absolute path of the real-cluster audit fixtures (`../shared/fixtures`, or `$KAUDIT_FIXTURES`). */
export const FIXTURES_DIR: string = findFixtures();

/** True when the fixtures are present on this machine. */
export const hasFixtures: boolean = existsSync(join(FIXTURES_DIR, 'audit'));

/**
 * Path of one fixture file, e.g. `fixture('audit/falco/exec_pod.json')`.
 */
export function fixture(relative: string): string {
  return join(FIXTURES_DIR, relative);
}

/**
 * Whether a real-data suite should be skipped. Prints why; throws under `CI=true`, where the
 * fixtures must be present, so a missing checkout can never turn the real-data suite green.
 */
export function skipWithoutFixtures(suite: string): boolean {
  if (hasFixtures) return false;
  if (process.env.CI === 'true') {
    throw new Error(`[testing] ${suite}: fixtures missing at ${FIXTURES_DIR} and CI=true`);
  }
  console.warn(`[testing] ${suite}: skipped, no fixtures at ${FIXTURES_DIR}`);
  return true;
}

/**
 * Every audit event file of the fixtures, as paths relative to the fixtures folder
 * (`audit/falco/exec_pod.json`), sorted; Panther's index files and licences are left out.
 */
export function auditFixtureFiles(): string[] {
  const audit = join(FIXTURES_DIR, 'audit');
  return readdirSync(audit, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && !d.name.includes('.index.') && !d.name.endsWith('.txt'))
    .map((d) => join(d.parentPath, d.name).slice(FIXTURES_DIR.length + 1))
    .sort();
}

/**
 * The events of one fixture file exactly as kaudit decodes them (gzip, a JSON document or JSON lines,
 * EventList, Azure's records wrapper); items the decoder rejects are left out. `path` is relative to
 * the fixtures folder, or absolute.
 */
export function fixtureEvents(path: string): AuditEvent[] {
  const raw = readFileSync(isAbsolute(path) ? path : fixture(path));
  const body = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  return decodeBody(body).events;
}
