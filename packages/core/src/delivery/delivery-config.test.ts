import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { deliveryOptionsFromConfig, validateKauditConfig } from './delivery-config.js';

const sinkTypes = {
  console: {
    type: 'object',
    additionalProperties: false,
    properties: { format: { enum: ['pretty', 'json', 'auto'] } },
  },
  slack: {
    type: 'object',
    additionalProperties: false,
    required: ['token', 'channel'],
    properties: { token: { type: 'string' }, channel: { type: 'string' } },
  },
};

function faults(value: unknown): string {
  try {
    validateKauditConfig(value, { source: 'kaudit.json', sinkTypes });
  } catch (err) {
    expect(err).toBeInstanceOf(KauditError);
    expect((err as KauditError).code).toBe('invalid_config');
    return (err as KauditError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('validateKauditConfig', () => {
  it('accepts a full config and returns it', () => {
    const config = {
      $schema: './kaudit-config.schema.json',
      sinks: [
        { id: 'oncall', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C1' } },
        { id: 'feed', type: 'console' },
      ],
      routes: [{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }],
      delivery: {
        rate: { perSecond: 1, burst: 3 },
        retry: { maxAge: '15m', timeout: 10000 },
        digest: false,
        deadLetter: 'dl.jsonl',
      },
    };
    expect(validateKauditConfig(config, { sinkTypes })).toBe(config);
  });

  it('lists every fault at once, each with its JSON pointer', () => {
    const message = faults({
      sinks: [
        { id: 'a', type: 'slack', options: { channel: 5, tokn: 'x' } },
        { id: 'a', type: 'pager' },
        { type: 'console' },
      ],
      routes: [{ minSeverity: 'urgent', sinks: ['a', 'missing'] }, {}],
      delivery: { rate: { perSecond: 0 }, retry: { maxAge: '15 minutes' }, digest: { threshold: 0 }, colour: 1 },
      extra: true,
    });
    expect(message).toMatch(/^\[config\] kaudit\.json has \d+ problems:/);
    for (const expected of [
      '(top level): unknown property "extra"',
      '/sinks/2: "id" is required',
      '/routes/0/minSeverity: must be one of info, low, medium, high, critical',
      '/routes/1: "sinks" is required',
      '/delivery: unknown property "colour"',
      '/delivery/rate/perSecond: must be > 0',
      '/delivery/retry/maxAge: must be milliseconds or a duration such as 30s, 5m',
      '/delivery/digest: must be false, or { "threshold": n >= 1, "maxAlerts": n >= 2 }',
      '/sinks/1/id: "a" is used by an earlier sink',
      '/sinks/1/type: unknown sink type "pager" (known: console, slack)',
      '/sinks/0/options: "token" is required',
      '/sinks/0/options: unknown property "tokn"',
      '/sinks/0/options/channel: must be string',
      '/routes/0/sinks/1: no sink has the id "missing"',
    ])
      expect(message).toContain(expected);
  });

  it('refuses what is not an object', () => {
    expect(faults([])).toContain('(top level): must be object');
    expect(faults(null)).toContain('(top level): must be object');
  });
});

describe('deliveryOptionsFromConfig', () => {
  it('turns durations into milliseconds and keeps only what is set', () => {
    expect(
      deliveryOptionsFromConfig({
        rate: { perSecond: 2 },
        retry: { maxAge: '1m', baseDelay: 250, timeout: '5s' },
        digest: { threshold: 20 },
        deadLetter: '/tmp/dl.jsonl',
        drainTimeout: '30s',
        probeInterval: '10m',
      }),
    ).toEqual({
      rate: { perSecond: 2 },
      retry: { maxAge: 60_000, baseDelay: 250, timeout: 5000 },
      digest: { threshold: 20 },
      deadLetterPath: '/tmp/dl.jsonl',
      drainTimeout: 30_000,
      probeInterval: 600_000,
    });
    expect(deliveryOptionsFromConfig(undefined)).toEqual({});
    expect(deliveryOptionsFromConfig({ digest: false })).toEqual({ digest: false });
  });
});
