import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** recheck's answer for one pattern, as much of its diagnostics as the policy reads. */
export type RecheckDiagnosis =
  | { status: 'safe' }
  | { status: 'vulnerable'; complexity: { type: 'exponential' } | { type: 'polynomial'; degree: number } }
  | { status: 'unknown'; error: string };

/**
 * Runs in the child: reads `{ sources, flags, timeout }` on stdin, writes one diagnosis per source.
 * recheck's asynchronous API, one pattern at a time: its synchronous one runs the same check in an
 * extra worker thread (about 40 MB more and a quarter of a second). Whatever recheck starts (its
 * agent) may keep the event loop alive, hence the explicit exit.
 */
const CHILD_SCRIPT = `
const { check } = require(process.argv[1]);
const { sources, flags, timeout } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const diagnose = async (source) => {
  try {
    const d = await check(source, flags, { timeout });
    if (d.status === 'safe') return { status: 'safe' };
    if (d.status === 'vulnerable') return { status: 'vulnerable', complexity: d.complexity.type === 'exponential' ? { type: 'exponential' } : { type: 'polynomial', degree: d.complexity.degree } };
    return { status: 'unknown', error: d.error.kind === 'timeout' ? 'the check timed out' : d.error.kind + ('message' in d.error ? ': ' + d.error.message : '') };
  } catch (err) {
    return { status: 'unknown', error: String(err && err.message || err) };
  }
};
(async () => {
  const out = [];
  for (const source of sources) out.push(await diagnose(source));
  process.stdout.write(JSON.stringify(out), () => process.exit(0));
})();
`;

let recheckPath: string | undefined;
let checkerVersion: string | null | undefined;

/**
 * `recheck@<version>` as installed, the key under which verdicts may be reused (a new version may judge
 * differently), or `undefined` when it cannot be read: then no stored verdict is trusted.
 */
export function recheckVersion(): string | undefined {
  if (checkerVersion === undefined) {
    try {
      const { version } = createRequire(import.meta.url)('recheck/package.json') as { version?: unknown };
      checkerVersion = typeof version === 'string' ? `recheck@${version}` : null;
    } catch {
      checkerVersion = null;
    }
  }
  return checkerVersion ?? undefined;
}

/** Child processes started so far (tests read it to see that a batch costs one process). */
export const recheckRuns = { count: 0 };

/**
 * Checks patterns with recheck in a short-lived child process, all in one run. recheck is a Scala.js
 * bundle (plus, synchronously, a worker thread), tens of MB that a server or a replay would otherwise
 * carry for its whole life to vet a handful of patterns once; in a child, that memory is returned as
 * soon as the rules are loaded. A child that fails (cannot start, crashes, overruns its time) gives `unknown` for
 * every pattern, which the policy refuses: a pattern is never called safe without a check.
 */
export function recheckOutOfProcess(
  sources: readonly string[],
  flags: string,
  timeout: number,
  /** The Node binary to run the check with (tests give a broken one). */
  node: string = process.execPath,
): RecheckDiagnosis[] {
  if (sources.length === 0) return [];
  recheckPath ??= createRequire(import.meta.url).resolve('recheck');
  recheckRuns.count++;
  const child = spawnSync(node, ['-e', CHILD_SCRIPT, recheckPath], {
    input: JSON.stringify({ sources, flags, timeout }),
    encoding: 'utf8',
    // Each pattern is bounded by recheck's own timeout; the slack covers starting Node and the bundle.
    timeout: sources.length * timeout + 30_000,
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const failed = (why: string): RecheckDiagnosis[] => sources.map(() => ({ status: 'unknown', error: why }));
  if (child.error) return failed(`the checker could not run (${child.error.message})`);
  if (child.status !== 0) return failed(`the checker exited with ${child.status ?? child.signal}`);
  try {
    const out = JSON.parse(child.stdout) as RecheckDiagnosis[];
    return out.length === sources.length ? out : failed('the checker gave a wrong number of answers');
  } catch {
    return failed('the checker gave no readable answer');
  }
}
