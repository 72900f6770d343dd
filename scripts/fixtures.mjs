// Shared by the report scripts: where the real-data fixtures are, the built core, and what to do without them.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file lives in <root>/scripts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `$KAUDIT_FIXTURES`, else `<root>/../shared/fixtures`, as the test helpers do. */
export const FIXTURES_DIR = process.env.KAUDIT_FIXTURES
  ? resolve(process.env.KAUDIT_FIXTURES)
  : resolve(ROOT, '..', 'shared', 'fixtures');

/**
 * Whether the report can run on `files`: prints why not and returns false (exit 0) when a fixture is
 * missing, or exits 1 under CI=true, where a missing fixture must never pass for a clean report.
 */
export function fixturesPresent(report, files) {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length === 0) return true;
  const message = `[${report}] fixture missing: ${missing.join(', ')} (set KAUDIT_FIXTURES or check out ../shared/fixtures)`;
  if (process.env.CI === 'true') {
    console.error(`${message}; failing because CI=true`);
    process.exit(1);
  }
  console.error(`${message}; skipped`);
  return false;
}

/** The built @kaudit/core (packages/core/dist); tells to run `pnpm build` when it is not there. */
export async function loadCore(report) {
  const entry = join(ROOT, 'packages', 'core', 'dist', 'index.js');
  if (!existsSync(entry)) {
    console.error(`[${report}] ${entry} not found: run \`pnpm build\` first`);
    process.exit(2);
  }
  return import(pathToFileURL(entry).href);
}

/** Parses `--name value` options and positional arguments. */
export function parseArgs(argv, known) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const name = arg.slice(2);
      if (!known.includes(name)) {
        console.error(`unknown option ${arg}; known: ${known.map((k) => `--${k}`).join(', ')}`);
        process.exit(2);
      }
      const value = argv[++i];
      if (value === undefined) {
        console.error(`${arg} needs a value`);
        process.exit(2);
      }
      options[name] = value;
    } else positional.push(arg);
  }
  return { options, positional };
}
