/**
 * The status-code contract of `POST /audit` over real TLS and mutual-TLS sockets: createApp behind listen, with
 * the authentication of credentialSource (bearer token file, basic, client certificates), a real pipeline and
 * generated certificates.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertNotice, Pipeline } from '@kaudit/core';
import { auditEvent } from '@kaudit/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuth } from '../app/auth.js';
import { createApp } from '../app/create-app.js';
import { createMetrics } from '../app/metrics.js';
import { testPipeline } from '../app/test-server.js';
import { type CertificatePaths, makeCertificates } from '../testing/certificates.js';
import { type CredentialSource, credentialSource } from './credential-source.js';
import { type Listener, listen } from './listen.js';
import { send, type SendInit } from './test-https-client.js';

const pki = makeCertificates();
const BODY_LIMIT = 64 * 1024;

/** An EventList of `count` secret reads one second apart, plus `invalid` items that are not audit events. */
function eventList(count: number, invalid = 0, start = Date.UTC(2026, 0, 1)): string {
  const items: unknown[] = Array.from({ length: count }, (_, i) =>
    auditEvent({ objectRef: { resource: 'secrets', namespace: 'shop', name: `db-${i}` }, at: start + i * 1000 }),
  );
  for (let i = 0; i < invalid; i++) items.push({ kind: 'NotAnEvent' });
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

const json = { 'content-type': 'application/json' };

interface Running {
  listener: Listener;
  credentials: CredentialSource;
  pipeline: Pipeline;
  delivered: AlertNotice[];
}

async function start(
  tls: { cert: string; key: string; clientCA?: string },
  credentials: CredentialSource,
): Promise<Running> {
  const { pipeline, delivered } = testPipeline();
  const kapp = createApp({
    pipeline,
    auth: createAuth(() => credentials.current()),
    bodyLimit: BODY_LIMIT,
    metrics: createMetrics({ pipeline, defaultMetrics: false }),
  });
  const listener = await listen({ fetch: kapp.fetch, host: '127.0.0.1', port: 0, tls, watchInterval: 25 });
  return { listener, credentials, pipeline, delivered };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  await running.listener.close();
  running.credentials.close();
  await running.pipeline.end();
}

describe('POST /audit over TLS', () => {
  let dir: string;
  let paths: CertificatePaths;
  let tokenFile: string;
  let running: Running;
  const post = (init: SendInit) => send(`${running.listener.url}/audit`, { method: 'POST', ca: pki.ca.cert, ...init });
  const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-tls-contract-'));
    paths = await pki.writeTo(join(dir, 'tls'));
    tokenFile = join(dir, 'tokens');
    await writeFile(tokenFile, '# rotated by the operator\ntoken-one\n', { mode: 0o600 });
    const credentials = credentialSource({
      tokenFile,
      basic: [{ username: 'kube-apiserver', password: 'basic-secret' }],
      watchInterval: 25,
    });
    running = await start({ cert: paths.cert, key: paths.key }, credentials);
  });
  afterAll(async () => {
    await stop(running);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 200 with the counts to a valid bearer token, and the events reach the pipeline', async () => {
    const res = await post({ headers: bearer('token-one'), body: eventList(3, 1) });
    expect(res.status).toBe(200);
    expect(res.serverSerial).toBe(pki.server.serial);
    expect(JSON.parse(res.body)).toMatchObject({
      accepted: 3,
      rejected: 1,
      errors: [{ index: 3, reason: expect.any(String) }],
      redelivery: false,
    });
    expect(running.pipeline.stats.events).toBe(3);
  });

  it('answers 200 to basic auth', async () => {
    const basic = Buffer.from('kube-apiserver:basic-secret').toString('base64');
    const res = await post({
      headers: { ...json, authorization: `Basic ${basic}` },
      body: eventList(1, 0, Date.UTC(2026, 0, 2)),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('answers 401 without credentials, with a wrong token and with a wrong password', async () => {
    const wrongPassword = Buffer.from('kube-apiserver:guess').toString('base64');
    for (const headers of [json, bearer('token-two'), { ...json, authorization: `Basic ${wrongPassword}` }]) {
      const res = await post({ headers, body: eventList(1) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/Bearer/);
    }
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    const big = 'x'.repeat(BODY_LIMIT + 1);
    expect((await post({ headers: bearer('token-one'), body: big })).status).toBe(413);
    const chunk = 'y'.repeat(16 * 1024);
    const streamed = await post({ headers: bearer('token-one'), chunks: Array.from({ length: 8 }, () => chunk) });
    expect(streamed.status).toBe(413);
  });

  it('answers 415 to a wrong content type', async () => {
    const res = await post({
      headers: { 'content-type': 'text/plain', authorization: 'Bearer token-one' },
      body: eventList(1),
    });
    expect(res.status).toBe(415);
  });

  it('follows a rotated token file: the new token gets in, the retired one gets 401', async () => {
    // Both during the rotation: clients move over without a failed batch.
    await writeFile(tokenFile, 'token-two\ntoken-one\n');
    await vi.waitFor(
      async () =>
        expect((await post({ headers: bearer('token-two'), body: eventList(1, 0, Date.UTC(2026, 0, 3)) })).status).toBe(
          200,
        ),
      { timeout: 15_000, interval: 25 },
    );
    expect((await post({ headers: bearer('token-one'), body: eventList(1, 0, Date.UTC(2026, 0, 4)) })).status).toBe(
      200,
    );

    await writeFile(tokenFile, 'token-two\n');
    await vi.waitFor(
      async () =>
        expect((await post({ headers: bearer('token-one'), body: eventList(1, 0, Date.UTC(2026, 0, 5)) })).status).toBe(
          401,
        ),
      { timeout: 15_000, interval: 25 },
    );
    expect((await post({ headers: bearer('token-two'), body: eventList(1, 0, Date.UTC(2026, 0, 6)) })).status).toBe(
      200,
    );
  });
});

describe('POST /audit over mutual TLS', () => {
  let dir: string;
  let running: Running;
  const post = (init: SendInit) => send(`${running.listener.url}/audit`, { method: 'POST', ca: pki.ca.cert, ...init });
  const apiserver = pki.client('kube-apiserver', { organization: 'kaudit' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-mtls-contract-'));
    const paths = await pki.writeTo(dir);
    const credentials = credentialSource({ clientSubjects: ['kube-apiserver'], clientCertificates: true });
    running = await start({ cert: paths.cert, key: paths.key, clientCA: paths.ca }, credentials);
  });
  afterAll(async () => {
    await stop(running);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 200 with the counts to an allowed client certificate, and the alert is raised', async () => {
    const body = eventList(3);
    const res = await post({ ...apiserver, headers: json, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 3, rejected: 0, redelivery: false });
    // The same bytes again, as the API server's retry sends them: answered, not processed twice.
    const again = await post({ ...apiserver, headers: json, body });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ accepted: 0, rejected: 0, redelivery: true });
    await running.pipeline.end();
    expect(running.delivered.map((n) => [n.type, n.alert.rule, n.alert.count])).toEqual([
      ['alert', 'many-secret-reads', 3],
    ]);
  });

  it('answers 401 to a certificate of the trusted CA whose subject is not allowed', async () => {
    const res = await post({ ...pki.client('intruder'), headers: json, body: eventList(1) });
    expect(res.status).toBe(401);
  });

  it('answers 413 and 415 to an allowed certificate', async () => {
    const tooBig = await post({ ...apiserver, headers: json, body: 'x'.repeat(BODY_LIMIT + 1) });
    expect(tooBig.status).toBe(413);
    const wrongType = await post({ ...apiserver, headers: { 'content-type': 'text/csv' }, body: eventList(1) });
    expect(wrongType.status).toBe(415);
  });

  it('refuses the handshake without a client certificate or with one from another CA', async () => {
    await expect(post({ headers: json, body: eventList(1) })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET|EPIPE)$/),
    });
    const stranger = pki.client('kube-apiserver', { untrusted: true });
    await expect(post({ ...stranger, headers: json, body: eventList(1) })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET|EPIPE)$/),
    });
  });
});
