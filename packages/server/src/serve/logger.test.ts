import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines at the configured level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', stream: out.stream });
    logger.info('not shown');
    logger.warn({ url: 'http://127.0.0.1:8080' }, 'shown');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'shown', url: 'http://127.0.0.1:8080', name: 'kaudit' });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('never writes tokens, passwords, keys or authorization headers', () => {
    const out = capture();
    const logger = createLogger({ stream: out.stream });
    const secrets = ['Bearer tok-123456', 'hunter2-password', 'tok-abcdef', 'xoxb-slack-token', '-----BEGIN KEY-----'];
    logger.info({ req: { headers: { authorization: secrets[0], 'content-type': 'application/json' } } }, 'request');
    logger.info({ headers: { authorization: secrets[0] } }, 'headers');
    logger.info({ auth: { tokens: [secrets[2]], basic: [{ username: 'apiserver', password: secrets[1] }] } }, 'auth');
    logger.info({ password: secrets[1], token: secrets[2], key: secrets[4] }, 'top level');
    logger.info({ sink: { options: { token: secrets[3] } } }, 'nested');
    logger.info({ settings: { auth: { tokens: [secrets[2]] } } }, 'settings');
    logger.info({ config: { sinks: [{ id: 'slack', options: { token: secrets[3], channel: 'C1' } }] } }, 'config');
    const text = out.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    // What is not secret stays readable.
    expect(text).toContain('application/json');
    expect(text).toContain('"slack"');
    expect(out.lines()).toHaveLength(7);
  });
});
