import { describe, expect, it } from 'vitest';
import {
  httpStatusClass,
  knownSlackErrorClass,
  retryAfterMs,
  slackErrorClass,
  slackFailure,
} from './slack-error-class.js';

describe('slackErrorClass', () => {
  it.each([
    ['internal_error', 'retry'],
    ['service_unavailable', 'retry'],
    ['fatal_error', 'retry'],
    ['ratelimited', 'retry'],
    ['invalid_auth', 'config'],
    ['not_authed', 'config'],
    ['account_inactive', 'config'],
    ['token_revoked', 'config'],
    ['token_expired', 'config'],
    ['missing_scope', 'config'],
    ['channel_not_found', 'config'],
    ['not_in_channel', 'config'],
    ['is_archived', 'config'],
    ['restricted_action', 'config'],
    ['action_prohibited', 'config'],
    ['channel_is_archived', 'config'],
    ['no_service', 'config'],
    ['invalid_token', 'config'],
    ['no_active_hooks', 'config'],
    ['msg_too_long', 'payload'],
    ['invalid_blocks', 'payload'],
    ['invalid_blocks_format', 'payload'],
    ['no_text', 'payload'],
    ['too_many_attachments', 'payload'],
    ['invalid_payload', 'payload'],
  ])('%s is %s', (code, expected) => {
    expect(slackErrorClass(code)).toBe(expected);
  });

  it('counts unknown codes as payload, and knows it does not know them', () => {
    expect(slackErrorClass('some_new_error')).toBe('payload');
    expect(knownSlackErrorClass('some_new_error')).toBeUndefined();
  });
});

describe('httpStatusClass', () => {
  it.each([
    [429, 'retry'],
    [408, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [401, 'config'],
    [403, 'config'],
    [404, 'config'],
    [410, 'config'],
    [400, 'payload'],
    [413, 'payload'],
  ])('%i is %s', (status, expected) => {
    expect(httpStatusClass(status)).toBe(expected);
  });
});

describe('slackFailure', () => {
  it('names the component and the code, with after only on retries', () => {
    expect(slackFailure('slack', 'ratelimited', { after: 3000 })).toEqual({
      status: 'retry',
      reason: '[sinks] [slack] ratelimited',
      code: 'ratelimited',
      after: 3000,
    });
    expect(slackFailure('slack-webhook', 'channel_not_found')).toEqual({
      status: 'rejected',
      reason: '[sinks] [slack-webhook] channel_not_found',
      code: 'channel_not_found',
      kind: 'config',
    });
    expect(slackFailure('slack', 'invalid_blocks', { detail: 'must be less than 151 characters' })).toMatchObject({
      kind: 'payload',
      reason: '[sinks] [slack] invalid_blocks: must be less than 151 characters',
    });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
