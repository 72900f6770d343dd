import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIO } from './test-io.js';
import { fileURLToPath } from 'node:url';
import type { DeadLetterEntry } from '@kaudit/core';
import { startSlackTestServer, type SlackTestServer } from '@kaudit/sinks/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli-main.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const quickStart = join(repo, 'examples/events/quick-start.jsonl');
const rules = join(repo, 'rules');

async function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const t = captureIO({ env, cwd });
  const code = await main(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

describe('kaudit replay --config', () => {
  let slack: SlackTestServer;
  let dir: string;
  beforeEach(async () => {
    slack = await startSlackTestServer({ channels: ['C-FEED'] });
    dir = await mkdtemp(join(tmpdir(), 'kaudit-replay-'));
  });
  afterEach(async () => {
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (config: unknown) => {
    const path = join(dir, 'kaudit.json');
    await writeFile(path, JSON.stringify(config));
    return path;
  };
  const env = () => ({ SLACK_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl });

  it('delivers the replayed alerts to the config sinks, stdout unchanged', async () => {
    const config = await writeConfig({
      sinks: [{ id: 'feed', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-FEED' } }],
      delivery: { rate: { perSecond: 20, burst: 5 } },
    });
    const { code, out, err } = await run(
      ['replay', '--format', 'json', '--rules', rules, '--config', config, quickStart],
      env(),
      dir,
    );
    expect(code).toBe(0);
    const printed = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string });
    expect(printed).toHaveLength(5);
    const posted = slack.messages('C-FEED');
    expect(posted).toHaveLength(5);
    for (const alert of printed)
      expect(posted.some((m) => m.text?.includes(alert.rule) || JSON.stringify(m.blocks).includes(alert.rule))).toBe(
        true,
      );
    expect(err).toContain('sink feed: 5 of 5 alerts delivered');
  });

  it('routes through KAUDIT_CONFIG, dead-letters what a broken sink cannot take, and exits 1', async () => {
    const config = await writeConfig({
      sinks: [
        { id: 'oncall', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-GONE' } },
        { id: 'feed', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-FEED' } },
      ],
      routes: [{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }],
      delivery: { rate: { perSecond: 20, burst: 5 } },
    });
    const deadLetter = join(dir, 'out', 'undelivered.jsonl');
    const { code, err } = await run(
      ['replay', '--quiet', '--rules', rules, '--dead-letter', deadLetter, quickStart],
      { ...env(), KAUDIT_CONFIG: config },
      dir,
    );
    expect(code).toBe(1);
    expect(err).toMatch(/sink oncall \(C-GONE\) is unhealthy: \[sinks\] \[slack\] channel_not_found/);
    expect(err).toContain(`undelivered notices are in ${deadLetter}`);
    const lines = (await readFile(deadLetter, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as DeadLetterEntry);
    expect(lines.length).toBeGreaterThan(0);
    expect(
      lines.every(
        (l) => l.sink === 'oncall' && l.code === 'channel_not_found' && l.notice.alert.severity === 'critical',
      ),
    ).toBe(true);
    expect(slack.messages('C-FEED').length).toBeGreaterThan(0);
    expect(slack.calls.filter((c) => c.channel === 'C-GONE')).toHaveLength(1);
  });

  it('refuses a bad config before reading any event, listing every fault', async () => {
    const config = await writeConfig({
      sinks: [{ id: 'x', type: 'slack', options: { channel: 'C' } }],
      routes: [{ sinks: ['y'] }],
    });
    const { code, err } = await run(['replay', '--rules', rules, '--config', config, quickStart], env(), dir);
    expect(code).toBe(1);
    expect(err).toContain('/sinks/0/options: "token" is required');
    expect(err).toContain('/routes/0/sinks/0: no sink has the id "y"');
    expect(slack.calls).toHaveLength(0);
  });

  it('--dead-letter without a config is a usage error', async () => {
    const { code, err } = await run(['replay', '--rules', rules, '--dead-letter', 'x.jsonl', quickStart], {}, dir);
    expect(code).toBe(2);
    expect(err).toContain('--dead-letter needs --config');
  });
});
