import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CredentialSource, credentialSource, parseBasicFile, parseTokenFile } from './credential-source.js';

/** A real pino logger writing into memory, to check what is (and is not) logged. */
function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, text: () => lines.join('') };
}

describe('parseTokenFile', () => {
  it('reads one token per line, skipping blank lines and comments', () => {
    expect(parseTokenFile('# current\r\ntok-new\n\n  tok-old  \n# tok-retired\n')).toEqual(['tok-new', 'tok-old']);
  });
  it('refuses two tokens on one line, naming the line but not the tokens', () => {
    expect(() => parseTokenFile('a\nsecret-one secret-two\n')).toThrow(
      expect.objectContaining({ code: 'credentials_invalid', message: expect.stringMatching(/line 2/) }),
    );
    expect(() => parseTokenFile('secret-one secret-two')).not.toThrow(/secret/);
  });
});

describe('parseBasicFile', () => {
  it('reads username:password lines; the password may contain colons', () => {
    expect(parseBasicFile('# apiserver\nkube-apiserver:pa:ss:word\nops:x\n')).toEqual([
      { username: 'kube-apiserver', password: 'pa:ss:word' },
      { username: 'ops', password: 'x' },
    ]);
  });
  it.each(['nopassword', ':password-only', 'user:'])('refuses %j without echoing it', (line) => {
    expect(() => parseBasicFile(`ok:fine\n${line}\n`)).toThrow(
      expect.objectContaining({ code: 'credentials_invalid', message: expect.stringMatching(/line 2/) }),
    );
    expect(() => parseBasicFile(line)).not.toThrow(/password-only|nopassword/);
  });
});

describe('credentialSource', () => {
  let dir: string;
  const sources: CredentialSource[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-credentials-'));
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await rm(dir, { recursive: true, force: true });
  });
  const open = (options: Parameters<typeof credentialSource>[0]) => {
    const source = credentialSource({ watchInterval: 60_000, ...options });
    sources.push(source);
    return source;
  };

  it('passes static values through', () => {
    const source = open({
      tokens: ['t1'],
      basic: [{ username: 'u', password: 'p' }],
      clientSubjects: ['kube-apiserver'],
      clientCertificates: true,
    });
    expect(source.current()).toEqual({
      bearerTokens: ['t1'],
      basic: [{ username: 'u', password: 'p' }],
      clientSubjects: ['kube-apiserver'],
      clientCertificates: true,
    });
  });

  it('adds the token file to static tokens and follows its rotation', async () => {
    const tokenFile = join(dir, 'tokens');
    await writeFile(tokenFile, 'old-token\n');
    const { logger, text } = memoryLogger();
    const source = open({ tokens: ['env-token'], tokenFile, logger });
    expect(source.current().bearerTokens).toEqual(['env-token', 'old-token']);

    await writeFile(tokenFile, 'new-token\nold-token\n');
    await source.check();
    expect(source.current().bearerTokens).toEqual(['env-token', 'new-token', 'old-token']);

    await writeFile(tokenFile, 'new-token\n');
    await source.check();
    expect(source.current().bearerTokens).toEqual(['env-token', 'new-token']);
    expect(text()).toMatch(/token file reloaded/);
    expect(text()).not.toMatch(/old-token|new-token|env-token/);
  });

  it('follows the basic auth file', async () => {
    const basicFile = join(dir, 'basic');
    await writeFile(basicFile, 'apiserver:first\n');
    const source = open({ basicFile });
    expect(source.current().basic).toEqual([{ username: 'apiserver', password: 'first' }]);
    await writeFile(basicFile, 'apiserver:second\n');
    await source.check();
    expect(source.current().basic).toEqual([{ username: 'apiserver', password: 'second' }]);
  });

  it('keeps the last good tokens when the file becomes empty, invalid or unreadable, and warns once each', async () => {
    const tokenFile = join(dir, 'tokens');
    await writeFile(tokenFile, 'good-token\n');
    const { logger, lines, text } = memoryLogger();
    const source = open({ tokenFile, logger });

    await writeFile(tokenFile, '# all tokens removed\n');
    await source.check();
    expect(source.current().bearerTokens).toEqual(['good-token']);

    await writeFile(tokenFile, 'bad token-line\n');
    await source.check();
    expect(source.current().bearerTokens).toEqual(['good-token']);

    await rm(tokenFile);
    await source.check();
    await source.check();
    expect(source.current().bearerTokens).toEqual(['good-token']);

    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
    expect(warnings.map((w) => [w.level, w.msg])).toEqual([
      [40, 'token file is not valid; keeping the last good credentials'],
      [40, 'token file is not valid; keeping the last good credentials'],
      [40, 'token file cannot be read; keeping the last good credentials'],
    ]);
    expect(warnings[2]!.code).toBe('ENOENT');

    await writeFile(tokenFile, 'next-token\n');
    await source.check();
    expect(source.current().bearerTokens).toEqual(['next-token']);
    expect(text()).not.toMatch(/good-token|next-token|bad|token-line/);
  });

  it('refuses to start with a missing, empty or invalid file', async () => {
    expect(() => open({ tokenFile: join(dir, 'absent') })).toThrow(
      expect.objectContaining({ name: 'KauditError', code: 'credentials_unreadable' }),
    );
    await writeFile(join(dir, 'empty'), '\n# nothing yet\n');
    expect(() => open({ tokenFile: join(dir, 'empty') })).toThrow(
      expect.objectContaining({ code: 'credentials_empty' }),
    );
    await writeFile(join(dir, 'basic'), 'user-without-password\n');
    expect(() => open({ basicFile: join(dir, 'basic') })).toThrow(
      expect.objectContaining({
        code: 'credentials_invalid',
        message: expect.stringMatching(/basic auth file .* line 1/),
      }),
    );
  });
});
