import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCertificates } from '../testing/certificates.js';
import { type Listener, listen } from './listen.js';
import { send } from './test-https-client.js';

// One PKI for the file: RSA key generation is the slow part.
const pki = makeCertificates();

/** Answers with what the connection looks like from the server: the client certificate's CN over mTLS. */
const echo = (_req: Request, env?: unknown): Response => {
  const socket = (env as { incoming: { socket: Partial<TLSSocket> } }).incoming.socket;
  const cn = socket.getPeerCertificate?.().subject?.CN;
  return Response.json({ ok: true, authorized: socket.authorized ?? null, cn: cn ?? null });
};

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), text: () => lines.join('') };
}

describe('listen', () => {
  let dir: string;
  const listeners: Listener[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaudit-listen-'));
  });
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const start = async (options: Partial<Parameters<typeof listen>[0]> = {}) => {
    const listener = await listen({ fetch: echo, host: '127.0.0.1', port: 0, ...options });
    listeners.push(listener);
    return listener;
  };
  const certDir = async (name: string) => pki.writeTo(join(dir, name));

  describe('over HTTP', () => {
    it('serves the fetch handler on the bound port', async () => {
      const listener = await start();
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await send(`${listener.url}/x`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true, authorized: null, cn: null });
    });

    it('sets the timeouts against slow clients', async () => {
      const listener = await start({ requestTimeout: 30_000, headersTimeout: 5_000, keepAliveTimeout: 1_000 });
      expect(listener.server.requestTimeout).toBe(30_000);
      expect(listener.server.headersTimeout).toBe(5_000);
      expect(listener.server.keepAliveTimeout).toBe(1_000);
      const defaults = await start();
      expect(defaults.server.requestTimeout).toBe(60_000);
      expect(defaults.server.headersTimeout).toBe(10_000);
      // Headers cannot take longer than the whole request (node would throw at startup).
      const clamped = await start({ requestTimeout: 1_000, headersTimeout: 5_000 });
      expect(clamped.server.headersTimeout).toBe(1_000);
    });

    it('cuts off a client that never finishes its headers', async () => {
      const listener = await start({ requestTimeout: 300, headersTimeout: 200 });
      const port = Number(new URL(listener.url).port);
      const socket = connect(port, '127.0.0.1');
      socket.write('POST /audit HTTP/1.1\r\nHost: x\r\n'); // and nothing more
      const answer = await new Promise<string>((resolve, reject) => {
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('turns EADDRINUSE into a KauditError with the cause', async () => {
      const first = await start();
      const port = Number(new URL(first.url).port);
      const failure = await listen({ fetch: echo, host: '127.0.0.1', port }).catch((error: unknown) => error);
      expect(failure).toMatchObject({
        name: 'KauditError',
        component: 'server',
        code: 'listen_failed',
        message: `[server] cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
        cause: expect.objectContaining({ code: 'EADDRINUSE' }),
      });
    });

    it('close() waits for the request in flight, then stops accepting', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => (entered = resolve));
      const listener = await listen({
        fetch: async () => {
          entered();
          await released;
          return new Response('done');
        },
        host: '127.0.0.1',
        port: 0,
      });
      const order: string[] = [];
      const response = send(`${listener.url}/slow`);
      await inHandler;
      const closed = listener.close().then(() => order.push('closed'));
      // Stopped accepting at once, while the request in flight still holds close() open.
      await expect(send(`${listener.url}/during`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      order.push('released');
      release();
      // The request in flight is answered in full (not cut off), and close() resolved only after it was released.
      expect(await response).toMatchObject({ status: 200, body: 'done', headers: { connection: 'close' } });
      await closed;
      expect(order).toEqual(['released', 'closed']);
      await expect(send(`${listener.url}/after`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('close() does not wait for idle keep-alive connections', async () => {
      const listener = await listen({ fetch: echo, host: '127.0.0.1', port: 0, keepAliveTimeout: 600_000 });
      // fetch keeps its connection alive in a pool, idle after the answer.
      const res = await fetch(`${listener.url}/keep`);
      expect(res.status).toBe(200);
      await res.text();
      await listener.close(); // would hang (and time the test out) while the idle socket stayed open
      await expect(send(`${listener.url}/after`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  describe('over TLS', () => {
    it('serves HTTPS with the certificate from the files', async () => {
      const paths = await certDir('https');
      const listener = await start({ tls: { cert: paths.cert, key: paths.key } });
      expect(listener.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await send(`${listener.url}/`, { ca: pki.ca.cert });
      expect(res.status).toBe(200);
      expect(res.serverSerial).toBe(pki.server.serial);
      await expect(send(`${listener.url}/`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('uses a rotated certificate for new connections, without a restart', async () => {
      const paths = await certDir('rotation');
      const { logger, text } = memoryLogger();
      const listener = await start({ tls: { cert: paths.cert, key: paths.key }, watchInterval: 25, logger });
      expect((await send(listener.url, { ca: pki.ca.cert })).serverSerial).toBe(pki.server.serial);

      const renewed = pki.issueServer({ newKey: true });
      await pki.writeTo(join(dir, 'rotation'), { server: renewed });
      // The listener's own polling picks it up; wait for it (bounded) rather than for a fixed time.
      await vi.waitFor(
        async () => expect((await send(listener.url, { ca: pki.ca.cert })).serverSerial).toBe(renewed.serial),
        { timeout: 15_000, interval: 25 },
      );
      expect(text()).toMatch(/TLS certificate reloaded/);
      expect(text()).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    });

    it('keeps the current certificate when the new files do not fit together', async () => {
      const paths = await certDir('mismatch');
      const { logger, text } = memoryLogger();
      const listener = await start({ tls: { cert: paths.cert, key: paths.key }, watchInterval: 60_000, logger });
      const other = pki.issueServer({ newKey: true });
      await writeFile(paths.cert, other.cert); // the key file still holds the old key

      await listener.reload();
      const res = await send(listener.url, { ca: pki.ca.cert });
      expect(res.status).toBe(200);
      expect(res.serverSerial).toBe(pki.server.serial);
      expect(text()).toMatch(/TLS files cannot be used; keeping the current certificate/);
      expect(text()).toMatch(/key values mismatch/);
      expect(text()).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);

      await writeFile(paths.key, other.key); // the rotation completes
      await listener.reload();
      expect((await send(listener.url, { ca: pki.ca.cert })).serverSerial).toBe(other.serial);
    });

    it('refuses to start with unreadable or unusable TLS files', async () => {
      const paths = await certDir('broken');
      await expect(
        listen({ fetch: echo, host: '127.0.0.1', port: 0, tls: { cert: join(dir, 'absent.pem'), key: paths.key } }),
      ).rejects.toMatchObject({ code: 'tls_unreadable', cause: expect.objectContaining({ code: 'ENOENT' }) });
      await expect(
        listen({ fetch: echo, host: '127.0.0.1', port: 0, tls: { cert: paths.key, key: paths.key } }),
      ).rejects.toMatchObject({ code: 'tls_invalid' });
    });
  });

  describe('over mutual TLS', () => {
    let listener: Listener;
    beforeAll(async () => {
      const paths = await certDir('mtls');
      listener = await listen({
        fetch: echo,
        host: '127.0.0.1',
        port: 0,
        tls: { cert: paths.cert, key: paths.key, clientCA: paths.ca },
      });
    });
    afterAll(async () => {
      await listener.close();
    });

    it('accepts a client certificate signed by the client CA', async () => {
      const client = pki.client('kube-apiserver');
      const res = await send(`${listener.url}/`, { ca: pki.ca.cert, ...client });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true, authorized: true, cn: 'kube-apiserver' });
    });

    it('refuses the handshake without a client certificate', async () => {
      await expect(send(`${listener.url}/`, { ca: pki.ca.cert })).rejects.toMatchObject({
        code: expect.stringMatching(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET|EPIPE)$/),
      });
    });

    it('refuses the handshake with a certificate from another CA', async () => {
      const stranger = pki.client('kube-apiserver', { untrusted: true });
      await expect(send(`${listener.url}/`, { ca: pki.ca.cert, ...stranger })).rejects.toMatchObject({
        code: expect.stringMatching(/^(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET|EPIPE)$/),
      });
    });
  });
});
