import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { skipWithoutFixtures } from '@kaudit/core/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a report script as `pnpm report:*` does (plain node against the built core); never throws on exit codes. */
async function report(script: string, env: Record<string, string> = {}, args: string[] = []) {
  try {
    const { stdout, stderr } = await run(process.execPath, [`scripts/${script}`, ...args], {
      cwd: root,
      env: { ...process.env, CI: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe.each(['noise-report.mjs', 'panther-agreement.mjs'])('%s', (script) => {
  it('skips with a message when the fixtures are absent', async () => {
    const { code, stdout, stderr } = await report(script, { KAUDIT_FIXTURES: '/nonexistent/fixtures' });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/fixture missing: \/nonexistent\/fixtures\/audit\/.*; skipped/);
  });

  it('fails when the fixtures are absent under CI=true', async () => {
    const { code, stderr } = await report(script, { KAUDIT_FIXTURES: '/nonexistent/fixtures', CI: 'true' });
    expect(code).toBe(1);
    expect(stderr).toContain('failing because CI=true');
  });
});

describe('the reports on the real fixtures', () => {
  it('noise: PerfSPEC raises no high or critical alert, and says so', async () => {
    if (skipWithoutFixtures('noise report')) return;
    const { code, stdout } = await report('noise-report.mjs');
    expect(code).toBe(0);
    expect(stdout).toContain('events: 16563 read, 0 rejected');
    expect(stdout).toContain('high or critical alerts: 0 (target: 0)');
    expect(stdout).toMatch(/^medium +delete-burst +1 +25 +kubernetes-admin$/m);
  });

  it('panther: every Panther rule gets a row and the totals add up', async () => {
    if (skipWithoutFixtures('panther agreement')) return;
    const { code, stdout } = await report('panther-agreement.mjs');
    expect(code).toBe(0);
    const rows = [...stdout.matchAll(/^(\S+\.\S+) +(\d+) +(\d+|-) +(\d+|-) /gm)];
    expect(rows).toHaveLength(33);
    const sum = (i: number) => rows.reduce((n, r) => n + (r[i] === '-' ? 0 : Number(r[i])), 0);
    const events = rows.reduce((n, r) => n + Number(r[2]), 0);
    expect(events).toBe(222);
    const totals = /events: 222; compared \(mapped rules\): (\d+); agree: (\d+) .*; differ: (\d+)/.exec(stdout);
    expect(totals).not.toBeNull();
    expect(Number(totals![2])).toBe(sum(3));
    expect(Number(totals![3])).toBe(sum(4));
    expect(Number(totals![2]) + Number(totals![3])).toBe(Number(totals![1]));
  });
});
