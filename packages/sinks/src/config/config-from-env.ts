import type { KauditConfig, SinkConfig } from '@kaudit/core';

/**
 * The seed's environment as a config: `SLACK_TOKEN` with `CHANNEL_ID` (or `SLACK_CHANNEL`) gives a
 * Web API sink `slack` (`SLACK_API_URL` points it at another base URL), `SLACK_WEBHOOK_URL` a webhook
 * sink `slack-webhook`; both may be set. With neither, the console sink. Secrets stay in the
 * environment: the config refers to them as `${SLACK_TOKEN}` / `${SLACK_WEBHOOK_URL}`.
 *
 * @example
 * configFromEnv({ SLACK_TOKEN: 'xoxb-…', CHANNEL_ID: 'C0123' }) // { sinks: [{ id: 'slack', type: 'slack', options: {...} }] }
 */
export function configFromEnv(env: NodeJS.ProcessEnv): KauditConfig {
  const sinks: SinkConfig[] = [];
  const channelVar = env.CHANNEL_ID ? 'CHANNEL_ID' : env.SLACK_CHANNEL ? 'SLACK_CHANNEL' : undefined;
  if (env.SLACK_TOKEN && channelVar) {
    sinks.push({
      id: 'slack',
      type: 'slack',
      options: {
        token: '${SLACK_TOKEN}',
        channel: `\${${channelVar}}`,
        ...(env.SLACK_API_URL ? { apiUrl: '${SLACK_API_URL}' } : {}),
      },
    });
  }
  if (env.SLACK_WEBHOOK_URL) {
    sinks.push({ id: 'slack-webhook', type: 'slack-webhook', options: { url: '${SLACK_WEBHOOK_URL}' } });
  }
  if (sinks.length === 0) sinks.push({ id: 'console', type: 'console' });
  return { sinks };
}

/** Whether the environment names a Slack sink half-way (a token without a channel, or the reverse). */
export function envConfigProblems(env: NodeJS.ProcessEnv): string[] {
  const channel = env.CHANNEL_ID || env.SLACK_CHANNEL;
  if (env.SLACK_TOKEN && !channel) return ['SLACK_TOKEN is set but neither CHANNEL_ID nor SLACK_CHANNEL is'];
  if (channel && !env.SLACK_TOKEN && !env.SLACK_WEBHOOK_URL)
    return [`${env.CHANNEL_ID ? 'CHANNEL_ID' : 'SLACK_CHANNEL'} is set but SLACK_TOKEN is not`];
  return [];
}
