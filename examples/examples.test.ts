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
});
