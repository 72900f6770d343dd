import type { Alert, EventSummary } from '@kaudit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSlackPayload } from '../testing/validate-slack-payload.js';
import { escapeSlackText } from './escape-slack-text.js';
import { formatSlackMessage } from './format-slack-message.js';
import { SLACK_LIMITS } from './slack-limits.js';
import { blockTextLength, type SlackMessage } from './slack-message.js';
import { testAlert } from './test-alert.js';

/** Strings an attacker would try: Slack's control syntax, huge runs, any unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('<!channel>', '<!here>', '<!everyone>', '<@U123>', '<#C1>', '<https://evil|ok>', '&amp;', '`', '\n'),
  fc
    .tuple(fc.constantFrom('<', '>', '&', 'a', '😀', '`', '\u0000'), fc.integer({ min: 1, max: 20_000 }))
    .map(([c, n]) => c.repeat(n)),
  fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 10 }).map((parts) => parts.join('<>&')),
);

const event: fc.Arbitrary<EventSummary> = fc.record(
  {
    auditID: hostile,
    time: hostile,
    verb: hostile,
    user: hostile,
    impersonatedUser: hostile,
    objectRef: fc.record(
      { resource: hostile, subresource: hostile, namespace: hostile, name: hostile, apiGroup: hostile },
      { requiredKeys: [] },
    ),
    sourceIP: hostile,
    userAgent: hostile,
    responseCode: fc.integer(),
    decision: hostile,
  },
  { requiredKeys: [] },
);

const alert: fc.Arbitrary<Alert> = fc
  .record({
    rule: hostile,
    title: hostile,
    message: hostile,
    key: fc.dictionary(hostile, fc.oneof(hostile, fc.integer(), fc.array(hostile, { maxLength: 3 })), { maxKeys: 5 }),
    events: fc.array(event, { maxLength: 12 }),
    firstSeen: hostile,
    lastSeen: hostile,
    count: fc.nat(),
    suppressed: fc.nat(),
  })
  .map((parts) => testAlert(parts));

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

describe('formatSlackMessage, for any alert', () => {
  it('escapes every <, > and & and stays within Slack limits, for every notice type and variant', () => {
    fc.assert(
      fc.property(
        alert,
        fc.array(alert, { minLength: 1, maxLength: 30 }),
        fc.constantFrom('alert', 'rollup', 'digest'),
        fc.boolean(),
        (a, digest, type, minimal) => {
          const message = formatSlackMessage({ type, alert: a, ...(type === 'digest' ? { digest } : {}) }, { minimal });
          for (const text of texts(message)) {
            expect(text).not.toMatch(/[<>]/);
            expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
          }
          expect(message.text.length).toBeGreaterThan(0);
          expect(message.text.length).toBeLessThanOrEqual(3000);
          expect(blockTextLength(message.blocks ?? [])).toBeLessThanOrEqual(SLACK_LIMITS.blockTextTotal);
          expect(validateSlackPayload(message)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('escapeSlackText, for any text', () => {
  const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  it('keeps within max and is an escaped prefix of the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-composite', maxLength: 300 }),
        fc.integer({ min: 1, max: 400 }),
        (raw, max) => {
          // Control characters are replaced, so compare on text without them.
          const value = [...raw].filter((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f').join('');
          const out = escapeSlackText(value, max);
          expect(out.length).toBeLessThanOrEqual(max);
          const cut = out.endsWith('…') && out !== value;
          const kept = unescape(cut ? out.slice(0, -1) : out);
          expect(value.startsWith(kept)).toBe(true);
          if (!cut) expect(kept).toBe(value);
        },
      ),
      { numRuns: 500 },
    );
  });
});
