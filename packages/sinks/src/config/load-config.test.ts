import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KauditError } from '@kaudit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSinks } from './create-sinks.js';
import { interpolateEnv } from './interpolate-env.js';
import { loadConfig, parseConfig, resolveConfig } from './load-config.js';

const refusal = (fn: () => unknown): KauditError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KauditError);
    expect((err as KauditError).code).toBe('invalid_config');
    return err as KauditError;
  }
  throw new Error('expected invalid_config');
};

describe('config files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads sinks, routes and delivery, and builds each sink type', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-config-'));
    const path = join(dir, 'kaudit.json');
    await writeFile(
      path,
      JSON.stringify({
        sinks: [
          { id: 'oncall', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-ONCALL' } },
          { id: 'feed', type: 'slack-webhook', options: { url: '${FEED_HOOK}', channel: '#sec-feed' } },
          { id: 'out', type: 'console', options: { format: 'json', stream: 'stderr' } },
          { id: 'archive', type: 'file', options: { path: join(dir, 'alerts.jsonl'), maxFiles: 2 } },
        ],
        routes: [{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }],
        delivery: { rate: { perSecond: 1, burst: 3 }, retry: { maxAge: '10m' } },
      }),
    );
    const config = await loadConfig(path);
    const sinks = createSinks(config, {
      SLACK_TOKEN: 'xoxb-secret',
      FEED_HOOK: 'https://hooks.slack.test/services/T/B/x',
    });
    expect(sinks.map((s) => [s.id, s.type])).toEqual([
      ['oncall', 'slack'],
      ['feed', 'slack-webhook'],
      ['out', 'console'],
      ['archive', 'file'],
    ]);
    const alert = { type: 'alert' as const, alert: {} as never };
    expect(sinks[0]!.destination?.(alert)).toBe('C-ONCALL');
    expect(sinks[1]!.destination?.(alert)).toBe('#sec-feed');
  });

  it('refuses a file that is not JSON, saying where', () => {
    const err = refusal(() => parseConfig('{\n  "sinks": [,]\n}', 'bad.json'));
    expect(err.message).toMatch(/^\[config\] bad\.json is not JSON/);
  });

  it('lists every fault of sink options against their type', () => {
    const err = refusal(() =>
      parseConfig(
        JSON.stringify({
          sinks: [
            { id: 's', type: 'slack', options: { channel: 'C1' } },
            { id: 'w', type: 'slack-webhook', options: { url: 'x', rollups: 'some' } },
            { id: 'c', type: 'smoke-signals' },
          ],
        }),
        'k.json',
      ),
    );
    expect(err.message).toContain('/sinks/0/options: "token" is required');
    expect(err.message).toContain('/sinks/1/options/rollups: must be one of doubling, all, none');
    expect(err.message).toContain('/sinks/2/type: unknown sink type "smoke-signals"');
    expect(err.message).toContain('k.json has 3 problems');
  });

  it('reports a missing file as a config error', async () => {
    await expect(loadConfig('/nonexistent/kaudit.json')).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('ENOENT'),
    });
  });

  it('resolves --config, then KAUDIT_CONFIG, then the environment', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-config-'));
    const path = join(dir, 'c.json');
    await writeFile(path, '{ "sinks": [{ "id": "from-file", "type": "console" }] }');
    expect((await resolveConfig(undefined, { KAUDIT_CONFIG: path })).config.sinks[0]!.id).toBe('from-file');
    expect((await resolveConfig(undefined, { SLACK_TOKEN: 't', CHANNEL_ID: 'C' })).config.sinks[0]!.id).toBe('slack');
    expect(await resolveConfig(undefined, {})).toEqual({
      config: { sinks: [{ id: 'console', type: 'console' }] },
      source: 'environment',
    });
    await expect(resolveConfig(undefined, { SLACK_TOKEN: 't' })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});

describe('interpolateEnv', () => {
  it('replaces ${NAME} everywhere, and names (never shows) what is missing', () => {
    expect(interpolateEnv({ a: 'x-${A}-y', n: [{ b: '${B}' }], k: 3 }, { A: '1', B: '2' }, '/sinks/0/options')).toEqual(
      { a: 'x-1-y', n: [{ b: '2' }], k: 3 },
    );
    const err = refusal(() =>
      interpolateEnv({ token: '${SLACK_TOKEN}' }, { OTHER: 'secret-value' }, '/sinks/0/options'),
    );
    expect(err.message).toBe('[config] /sinks/0/options uses ${SLACK_TOKEN}, which is not set in the environment');
  });

  it('createSinks reports every sink it cannot build', () => {
    const err = refusal(() =>
      createSinks(
        {
          sinks: [
            { id: 'a', type: 'slack', options: { token: '${NOPE}', channel: 'C' } },
            { id: 'b', type: 'slack-webhook', options: { url: '${NOPE_EITHER}' } },
          ],
        },
        {},
      ),
    );
    expect(err.message).toContain('/sinks/0/options uses ${NOPE}');
    expect(err.message).toContain('/sinks/1/options uses ${NOPE_EITHER}');
  });
});
