import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KauditError } from '@kaudit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticationConfigured,
  insecureBindProblem,
  isLoopback,
  loadServerSettings,
  parseConfigText,
} from './server-config.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaudit-config-'));
  await mkdir(join(dir, 'rules', 'profiles'), { recursive: true });
  await writeFile(join(dir, 'rules', 'a.json'), '{ "rules": [] }');
  await writeFile(join(dir, 'rules', 'profiles', 'eks.json'), '{ "profile": "eks", "lists": {} }');
  await writeFile(join(dir, 'tls.crt'), 'not really a certificate');
  await writeFile(join(dir, 'tls.key'), 'not really a key');
  await writeFile(join(dir, 'ca.crt'), 'not really a CA');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function settingsOf(
  file: { name: string; text: string } | undefined,
  env: NodeJS.ProcessEnv = {},
  flags: Parameters<typeof loadServerSettings>[0]['flags'] = {},
) {
  if (file) await writeFile(join(dir, file.name), file.text);
  return loadServerSettings({ flags: { ...(file ? { config: file.name } : {}), ...flags }, env, cwd: dir });
}

async function faultsOf(...args: Parameters<typeof settingsOf>): Promise<string> {
  const error = await settingsOf(...args).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(KauditError);
  expect((error as KauditError).code).toBe('invalid_config');
  expect((error as KauditError).component).toBe('config');
  return (error as Error).message;
}

const yaml = `
# the server's settings, with the token from the environment
server:
  host: 0.0.0.0
  port: 9443
  auth:
    tokens: ["\${HOOK_TOKEN}"]
  tls: { cert: tls.crt, key: tls.key, clientCA: ca.crt, clientSubjects: [kube-apiserver] }
  shutdownTimeout: 20s
  requestTimeout: 30000
  redelivery: { window: 10m, maxEntries: 5000 }
rules:
  paths: [rules]
  profile: eks
pipeline: { lateness: 2m, maxKeys: 1000, maxStateKeys: 5000 }
log: { level: warn }
sinks:
  - id: out
    type: console
    options: { format: json }
delivery:
  drainTimeout: 10s
`;

describe('loadServerSettings', () => {
  it('reads a YAML file with ${ENV} references', async () => {
    const s = await settingsOf({ name: 'kaudit.yaml', text: yaml }, { HOOK_TOKEN: 'secret-token' });
    expect(s).toMatchObject({
      host: '0.0.0.0',
      port: 9443,
      auth: { tokens: ['secret-token'], basic: [] },
      tls: {
        cert: join(dir, 'tls.crt'),
        key: join(dir, 'tls.key'),
        clientCA: join(dir, 'ca.crt'),
        clientSubjects: ['kube-apiserver'],
      },
      shutdownTimeout: 20_000,
      requestTimeout: 30_000,
      redelivery: { window: 600_000, maxEntries: 5000 },
      rules: { paths: [join(dir, 'rules')], profile: 'eks', watch: true },
      pipeline: { lateness: 120_000, maxKeys: 1000, maxStateKeys: 5000 },
      log: { level: 'warn' },
      sinksFrom: 'file',
      config: {
        sinks: [{ id: 'out', type: 'console', options: { format: 'json' } }],
        delivery: { drainTimeout: '10s' },
      },
    });
    expect(authenticationConfigured(s)).toBe(true);
  });

  it('reads the same settings from JSON', async () => {
    const json = JSON.stringify({
      server: { port: 9000, auth: { basic: [{ username: 'apiserver', password: 'pw' }] } },
      rules: { paths: ['rules'], watch: false },
    });
    const s = await settingsOf({ name: 'kaudit.json', text: json });
    expect(s).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      auth: { tokens: [], basic: [{ username: 'apiserver', password: 'pw' }] },
      rules: { paths: [join(dir, 'rules')], watch: false },
      shutdownTimeout: 25_000,
      log: { level: 'info' },
      sinksFrom: 'environment',
      config: { sinks: [{ id: 'console', type: 'console' }] },
    });
  });

  it('uses the defaults without a file: loopback, 8080, ./rules, the console (Slack from the seed variables)', async () => {
    const s = await settingsOf(undefined);
    expect(s).toMatchObject({ host: '127.0.0.1', port: 8080, rules: { paths: [join(dir, 'rules')] } });
    expect(s.config.sinks).toEqual([{ id: 'console', type: 'console' }]);
    const slack = await settingsOf(undefined, {
      SLACK_TOKEN: 'xoxb-1',
      CHANNEL_ID: 'C1',
      SLACK_WEBHOOK_URL: 'http://x',
    });
    expect(slack.config.sinks.map((x) => x.type)).toEqual(['slack', 'slack-webhook']);
    // Outside a folder with rules/, the embedded library.
    const embedded = await loadServerSettings({ env: {}, cwd: tmpdir() });
    expect(embedded.rules.paths).toEqual([join(root, 'rules')]);
  });

  it('lets the environment override the file, and the flags the environment', async () => {
    const file = { name: 'layers.yaml', text: 'server: { host: 10.0.0.1, port: 9000, auth: { tokens: [a] } }\n' };
    const env = {
      HOST: '10.0.0.2',
      PORT: '9001',
      KAUDIT_AUTH_TOKEN: 'b, c',
      KAUDIT_TLS_CERT: 'tls.crt',
      KAUDIT_TLS_KEY: 'tls.key',
      KAUDIT_PROFILE: 'eks',
      KAUDIT_RULES: 'rules',
      LOG_LEVEL: 'debug',
    };
    const fromEnv = await settingsOf(file, env);
    expect(fromEnv).toMatchObject({
      host: '10.0.0.2',
      port: 9001,
      auth: { tokens: ['b', 'c'] },
      tls: { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') },
      rules: { paths: [join(dir, 'rules')], profile: 'eks' },
      log: { level: 'debug' },
    });
    const fromFlags = await settingsOf(file, env, {
      host: '10.0.0.3',
      port: '9002',
      rules: ['rules/a.json', 'rules'],
      insecureNoAuth: true,
    });
    expect(fromFlags).toMatchObject({
      host: '10.0.0.3',
      port: 9002,
      rules: { paths: [join(dir, 'rules/a.json'), join(dir, 'rules')], profile: 'eks' },
      insecureNoAuth: true,
    });
    // KAUDIT_CONFIG names the file when --config does not.
    const viaEnv = await loadServerSettings({ env: { KAUDIT_CONFIG: 'layers.yaml' }, cwd: dir });
    expect(viaEnv.port).toBe(9000);
  });

  it('lists every fault at once: schema, environment, flags and cross-checks', async () => {
    const text = `
server:
  port: 70000
  hots: typo
  auth: { tokens: ["\${UNSET_TOKEN}"] }
  tls: { cert: tls.crt, clientSubjects: [kube-apiserver] }
  shutdownTimeout: soon
rules: { paths: [missing-rules], profile: nope }
log: { level: loud }
sinks:
  - { id: s, type: carrier-pigeon }
  - { id: w, type: slack-webhook, options: { url: "\${UNSET_WEBHOOK}" } }
routes:
  - { sinks: [nowhere] }
`;
    const message = await faultsOf({ name: 'bad.yaml', text }, { PORT: 'eighty', LOG_LEVEL: 'chatty' }, { port: '-1' });
    for (const fault of [
      '/server/port: must be <= 65535',
      '/server: unknown property "hots"',
      '/server uses ${UNSET_TOKEN}',
      '/sinks/1/options uses ${UNSET_WEBHOOK}',
      'a certificate (server.tls.cert / KAUDIT_TLS_CERT) needs its key',
      'clientSubjects need a client CA',
      '/server/shutdownTimeout: "soon" is not a duration',
      `rules: ${join(dir, 'missing-rules')}: no such file or folder`,
      'rules: unknown profile "nope"',
      '/log/level: must be one of fatal, error, warn, info, debug, trace, silent',
      '/sinks/0/type: unknown sink type "carrier-pigeon"',
      '/routes/0/sinks/0: no sink has the id "nowhere"',
      'PORT (environment): "eighty" is not a port',
      '--port: "-1" is not a port',
      'LOG_LEVEL (environment): "chatty" is not one of',
    ])
      expect(message).toContain(fault);
    expect(message).toMatch(/bad\.yaml has 15 problems/);
  });

  it('names the available profiles and a client CA without a certificate', async () => {
    const message = await faultsOf(undefined, { KAUDIT_TLS_CLIENT_CA: 'ca.crt' }, { profile: 'gkee' });
    expect(message).toContain('unknown profile "gkee"; available profiles: eks');
    expect(message).toContain('a client CA (mutual TLS) needs a server certificate and key');
  });

  it('reports syntax errors with line and column, for YAML and JSON', async () => {
    const yamlError = await faultsOf({ name: 'broken.yaml', text: 'server:\n  port: 1\n  host: [unclosed\n' });
    expect(yamlError).toMatch(/broken\.yaml is not valid YAML or JSON at line \d+, column \d+/);
    const jsonError = await faultsOf({ name: 'broken.json', text: '{\n  "server": { "port": 1,, }\n}' });
    expect(jsonError).toMatch(/broken\.json is not valid YAML or JSON at line 2, column \d+/);
    expect(() => parseConfigText('- a\n- b\n', 'list.yaml')).toThrow('list.yaml: the top level must be a mapping');
  });

  it('reports a missing config file', async () => {
    const message = await loadServerSettings({ flags: { config: 'nowhere.yaml' }, env: {}, cwd: dir }).catch(
      (e: Error) => e.message,
    );
    expect(message).toContain(`cannot read config file ${join(dir, 'nowhere.yaml')}: ENOENT`);
  });
});

describe('binding without authentication', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'kaudit.example.com', '128.0.0.1'])
      expect(isLoopback(host)).toBe(false);
  });

  it('refuses a non-loopback address without authentication and says what to set', async () => {
    const open = await settingsOf(undefined, { HOST: '0.0.0.0' });
    expect(insecureBindProblem(open)).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/);
    expect(insecureBindProblem(open)).toContain('KAUDIT_AUTH_TOKEN');
    expect(insecureBindProblem(open)).toContain('--insecure-no-auth');
    expect(insecureBindProblem(await settingsOf(undefined, { HOST: '0.0.0.0', KAUDIT_AUTH_TOKEN: 't' }))).toBe(
      undefined,
    );
    expect(insecureBindProblem(await settingsOf(undefined, { HOST: '0.0.0.0' }, { insecureNoAuth: true }))).toBe(
      undefined,
    );
    expect(insecureBindProblem(await settingsOf(undefined, {}))).toBe(undefined);
  });
});
