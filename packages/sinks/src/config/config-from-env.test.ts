import { describe, expect, it } from 'vitest';
import { configFromEnv, envConfigProblems } from './config-from-env.js';

describe('configFromEnv', () => {
  it('keeps the seed variables working: SLACK_TOKEN + CHANNEL_ID, SLACK_API_URL', () => {
    expect(
      configFromEnv({ SLACK_TOKEN: 'xoxb-1', CHANNEL_ID: 'C1', SLACK_API_URL: 'http://127.0.0.1:9/api/' }),
    ).toEqual({
      sinks: [
        {
          id: 'slack',
          type: 'slack',
          options: { token: '${SLACK_TOKEN}', channel: '${CHANNEL_ID}', apiUrl: '${SLACK_API_URL}' },
        },
      ],
    });
    expect(configFromEnv({ SLACK_TOKEN: 'xoxb-1', SLACK_CHANNEL: '#sec' }).sinks[0]!.options).toEqual({
      token: '${SLACK_TOKEN}',
      channel: '${SLACK_CHANNEL}',
    });
  });

  it('adds a webhook sink for SLACK_WEBHOOK_URL, and falls back to the console', () => {
    expect(configFromEnv({ SLACK_WEBHOOK_URL: 'https://hooks.example/x' }).sinks).toEqual([
      { id: 'slack-webhook', type: 'slack-webhook', options: { url: '${SLACK_WEBHOOK_URL}' } },
    ]);
    expect(configFromEnv({}).sinks).toEqual([{ id: 'console', type: 'console' }]);
  });

  it('names a half-configured Slack sink instead of silently using the console', () => {
    expect(envConfigProblems({ SLACK_TOKEN: 'x' })).toEqual([
      'SLACK_TOKEN is set but neither CHANNEL_ID nor SLACK_CHANNEL is',
    ]);
    expect(envConfigProblems({ CHANNEL_ID: 'C1' })).toEqual(['CHANNEL_ID is set but SLACK_TOKEN is not']);
    expect(envConfigProblems({ SLACK_TOKEN: 'x', CHANNEL_ID: 'C1' })).toEqual([]);
  });
});
