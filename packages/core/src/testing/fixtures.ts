import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
