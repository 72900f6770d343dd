import type { Alert } from '@kaudit/core';
import { describe, expect, it } from 'vitest';
import { validateSlackPayload } from '../testing/validate-slack-payload.js';
import { formatSlackMessage } from './format-slack-message.js';
import { SLACK_LIMITS } from './slack-limits.js';
import { blockTextLength, type SlackBlock, type SlackMessage } from './slack-message.js';
import { testAlert } from './test-alert.js';
import { hostileAlert } from './test-hostile-alert.js';

/** Every text string in a message: the fallback and each text object of each block. */
function texts(message: SlackMessage): string[] {
  const out = [message.text];
  for (const block of message.blocks ?? []) {
    if (block.type === 'header') out.push(block.text.text);
    if (block.type === 'section')
      out.push(...[block.text, ...(block.fields ?? [])].flatMap((t) => (t ? [t.text] : [])));
    if (block.type === 'context') out.push(...block.elements.map((e) => e.text));
  }
  return out;
}

/** Checks every one of Slack's limits the formatter promises to respect. */
function expectWithinLimits(message: SlackMessage): void {
  const blocks: SlackBlock[] = message.blocks ?? [];
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(3000);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (block.type === 'section') {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
  }
  expect(blockTextLength(blocks)).toBeLessThanOrEqual(SLACK_LIMITS.blockTextTotal);
  expect(validateSlackPayload(message)).toBeUndefined();
}

const alert = testAlert();

describe('formatSlackMessage: alert', () => {
  it('renders header, message, fields and context', () => {
    expect(formatSlackMessage({ type: 'alert', alert })).toEqual({
      text: '[HIGH] Exec into a pod — mallory ran a shell in prod/web-0',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':red_circle: HIGH · Exec into a pod', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'mallory ran a shell in prod/web-0' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Who*\n`mallory`' },
            { type: 'mrkdwn', text: '*What*\n`create` `pods/exec`\non `prod/web-0`' },
            { type: 'mrkdwn', text: '*Result*\n`101` · `allow`' },
            { type: 'mrkdwn', text: '*Where*\n`10.0.0.7`\n`kubectl/v1.30.0`' },
            { type: 'mrkdwn', text: '*When*\n2026-01-01T00:00:00.000Z' },
            { type: 'mrkdwn', text: '*Key*\n`user.username=mallory`' },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'rule `exec-into-pod`' },
            { type: 'mrkdwn', text: 'auditID `a-1`' },
            { type: 'mrkdwn', text: 'count *1*' },
            { type: 'mrkdwn', text: 'rolled up *0*' },
          ],
        },
      ],
    });
  });

  it('shows impersonation, several distinct users, the time span, and no key field for key-less rules', () => {
    const event = alert.events[0]!;
    const message = formatSlackMessage({
      type: 'alert',
      alert: testAlert({
        key: {},
        severity: 'critical',
        lastSeen: '2026-01-01T00:01:00.000Z',
        events: ['a', 'b', 'c', 'd', 'e'].map((user) => ({ ...event, user, impersonatedUser: 'system:admin' })),
      }),
    });
    const fields = (message.blocks![2] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(message.blocks![0]).toMatchObject({ text: { text: ':rotating_light: CRITICAL · Exec into a pod' } });
    expect(fields).toEqual([
      '*Who*\n`a`, `b`, `c` +2 more\nas `system:admin`',
      '*What*\n`create` `pods/exec`\non `prod/web-0`',
      '*Result*\n`101` · `allow`',
      '*Where*\n`10.0.0.7`\n`kubectl/v1.30.0`',
      '*When*\n2026-01-01T00:00:00.000Z → 2026-01-01T00:01:00.000Z',
    ]);
  });

  it('renders an alert without events or message', () => {
    const message = formatSlackMessage({ type: 'alert', alert: testAlert({ events: [], message: '' }) });
    expect(message.text).toBe('[HIGH] Exec into a pod');
    expect(message.blocks!.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(message.blocks![2]).toMatchObject({ elements: [{}, { text: 'auditID —' }, {}, {}] });
    expectWithinLimits(message);
  });

  it('minimal: text only', () => {
    expect(formatSlackMessage({ type: 'alert', alert }, { minimal: true })).toEqual({
      text: '[HIGH] Exec into a pod — mallory ran a shell in prod/web-0 (exec-into-pod, count 1)',
    });
  });
});

describe('formatSlackMessage: hostile events', () => {
  it('an event whose user is <!channel>, user agent 100 KB of <https://evil|x> and object <!here> renders escaped and within every limit', () => {
    for (const type of ['alert', 'rollup', 'digest'] as const) {
      for (const minimal of [false, true]) {
        const hostile = hostileAlert();
        const message = formatSlackMessage({ type, alert: hostile, digest: [hostile, hostile] }, { minimal });
        for (const text of texts(message)) {
          // Nothing of the event can open a mention, a broadcast or a link.
          expect(text).not.toMatch(/[<>]/);
          expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
        }
        expectWithinLimits(message);
      }
    }
    const message = formatSlackMessage({ type: 'alert', alert: hostileAlert() });
    const json = JSON.stringify(message);
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('&lt;!here&gt;');
    expect(json).toContain('&lt;https://evil.example|x&gt;');
  });

  it('a 10 KB title and message stay within the header and section limits', () => {
    const message = formatSlackMessage({
      type: 'alert',
      alert: testAlert({ title: 'T'.repeat(10_000), message: 'M'.repeat(10_000) }),
    });
    expect(message.blocks![0]).toMatchObject({ text: { text: `:red_circle: HIGH · ${'T'.repeat(129)}…` } });
    expectWithinLimits(message);
  });
});

describe('formatSlackMessage: rollup', () => {
  it('renders a short "still happening" message with the latest event', () => {
    const rollup = testAlert({ count: 3, suppressed: 2, lastSeen: '2026-01-01T00:05:00.000Z' });
    expect(formatSlackMessage({ type: 'rollup', alert: rollup })).toEqual({
      text: '[HIGH] Exec into a pod — still happening: 3 events (+2 rolled up), last 2026-01-01T00:05:00.000Z',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              ':repeat: *Still happening* — Exec into a pod\n3 events (+2 rolled up), last 2026-01-01T00:05:00.000Z\n' +
              'Latest: `mallory` `create` `pods/exec` on `prod/web-0` from `10.0.0.7`',
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'rule `exec-into-pod`' },
            { type: 'mrkdwn', text: 'auditID `a-1`' },
            { type: 'mrkdwn', text: 'count *3*' },
            { type: 'mrkdwn', text: 'rolled up *2*' },
          ],
        },
      ],
    });
  });
});

describe('formatSlackMessage: digest', () => {
  const other: Alert = testAlert({
    id: 'alert-2',
    key: { 'user.username': 'eve' },
    count: 4,
    lastSeen: '2026-01-01T00:09:00.000Z',
  });

  it('renders "N alerts of <rule>" with their keys and counts', () => {
    expect(formatSlackMessage({ type: 'digest', alert, digest: [alert, other] })).toEqual({
      text: '[HIGH] 2 alerts of exec-into-pod: Exec into a pod',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':red_circle: HIGH · 2 alerts of exec-into-pod', emoji: true },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Exec into a pod*\n• `user.username=mallory` ×1\n• `user.username=eve` ×4' },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'rule `exec-into-pod`' },
            { type: 'mrkdwn', text: 'events *5*' },
            { type: 'mrkdwn', text: '2026-01-01T00:00:00.000Z → 2026-01-01T00:09:00.000Z' },
          ],
        },
      ],
    });
  });

  it('bounds the list of keys', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      testAlert({ id: `a${i}`, key: { 'user.username': `user-${i}` } }),
    );
    const message = formatSlackMessage({ type: 'digest', alert: many[0]!, digest: many });
    const list = (message.blocks![1] as { text: { text: string } }).text.text;
    expect(list.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(20);
    expect(list.endsWith('…and 480 more')).toBe(true);
    expect(message.text).toBe('[HIGH] 500 alerts of exec-into-pod: Exec into a pod');
    expectWithinLimits(message);
  });

  it('a digest notice without its list renders the one alert', () => {
    expect(formatSlackMessage({ type: 'digest', alert }, { minimal: true })).toEqual({
      text: '[HIGH] 1 alert of exec-into-pod: Exec into a pod',
    });
  });
});
