import { describe, expect, it } from 'vitest';
import { validateSlackPayload } from '../testing/validate-slack-payload.js';
import { digestMessage } from './digest-message.js';
import { testAlert } from './test-alert.js';

describe('digestMessage with missing times', () => {
  it('never leaves an empty context element, which Slack refuses', () => {
    const a = testAlert({ firstSeen: '', lastSeen: '' });
    const message = digestMessage([a, testAlert({ firstSeen: '', lastSeen: '' })], {});
    const context = message.blocks?.find((b) => b.type === 'context');
    expect(context?.type === 'context' && context.elements.every((e) => e.text.length > 0)).toBe(true);
    expect(validateSlackPayload(message)).toBeUndefined();
  });
});
