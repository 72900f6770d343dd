import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

// The examples run as users run them: plain node against the built packages (`pnpm install` builds them).
describe('examples', () => {
  it('01-library-pipeline prints the exec alert and reports the rejected item', async () => {
    expect(existsSync(fileURLToPath(new URL('../packages/core/dist/index.js', import.meta.url)))).toBe(true);
    const { stdout, stderr } = await run(process.execPath, ['01-library-pipeline.mjs'], { cwd: dir });
    const notices = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      type: 'alert',
      alert: {
        rule: 'exec-into-pod',
        message: 'jordan@example.com ran `sh` in payments/api-7d9c (exec, container api)',
      },
    });
    expect(stderr).toContain('accepted 1, rejected 1');
  });

  it('02-slack-test-server shows one Slack message, updated in place, with the roll-ups in its thread', async () => {
    const { stdout } = await run(process.execPath, ['02-slack-test-server.mjs'], { cwd: dir });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('messages in C0SECURITY: 1');
    expect(lines).toContain('- :rotating_light: CRITICAL · Exec into a pod');
    expect(lines).toContain('  [CRITICAL] Exec into a pod — jordan@example.com opened a shell in payments/api-7d9c');
    // The parent message was rewritten to the final count: the first event and three roll-ups.
    expect(lines).toContain(
      '  rule `exec-into-pod` | auditID `0e8d1c2a-0000-4000-8000-000000000001` | count *4* | rolled up *3*',
    );
    const edits = Number(/^ {2}updated in place: (\d+) time\(s\)$/m.exec(stdout)?.[1]);
    const replies = lines.filter((line) => line.startsWith('  > '));
    expect(lines).toContain(`  thread replies: ${replies.length}`);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    // Each roll-up that went out updated the count, then replied in the thread; the last reply has the total.
    expect(edits).toBe(replies.length);
    expect(replies.at(-1)).toBe(
      '  > [CRITICAL] Exec into a pod — still happening: 4 events (+3 rolled up), last 2024-06-03T10:00:45.000Z',
    );
    expect(stdout).toMatch(
      new RegExp(
        `^delivery: 1 alert\\(s\\) delivered, ${replies.length} roll-up\\(s\\) sent, ${3 - replies.length} coalesced, 0 dead-lettered$`,
        'm',
      ),
    );
    expect(stdout).toMatch(/^calls: chat\.postMessage 200(, chat\.update 200, chat\.postMessage 200)+$/m);
  });
});
