import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { KauditError } from '@kaudit/core';
import type { Logger } from 'pino';
import type { KauditApp } from '../app/create-app.js';
import { type FileWatch, watchFile } from './watch-file.js';

/** TLS files of {@link ListenOptions}: PEM file paths, re-read when their content changes. */
export interface ListenTls {
  /** Server certificate (chain) file. */
  cert: string;
  /** Server private key file. */
  key: string;
  /** CA bundle that signs client certificates. Given: mutual TLS, a connection without a valid client cert is refused. */
  clientCA?: string;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  /** The app's fetch handler (`createApp(...).fetch`); receives `{ incoming, outgoing }` as env. */
  fetch: KauditApp['fetch'];
  /** Address to bind, e.g. `127.0.0.1`, `0.0.0.0`, `::`. */
  host: string;
  /** Port; 0 picks a free one (see {@link Listener.url}). */
  port: number;
  /** Serve HTTPS (and mTLS with `clientCA`) instead of plain HTTP. */
  tls?: ListenTls;
  /** Longest time to receive a whole request, in ms; default 60 000 (the API server gives up after 30 s); 0: none. */
  requestTimeout?: number;
  /**
   * Longest time to receive request headers (and, over TLS, to finish the handshake), in ms; default 10 000, at
   * most `requestTimeout` (node refuses more); 0: none.
   */
  headersTimeout?: number;
  /** How long an idle keep-alive connection stays open, in ms; default 95 000. */
  keepAliveTimeout?: number;
  /** TLS reloads are logged here (file paths and OpenSSL reasons, never key material). */
  logger?: Logger;
  /** Polling interval of the TLS files in ms; default 2000. */
  watchInterval?: number;
}

/** A listening server. */
export interface Listener {
  /** `http://host:port` or `https://host:port` with the bound port (IPv6 hosts in brackets). */
  readonly url: string;
  /** The node server (`closeAllConnections()` cuts off what `close` waits for, past a shutdown deadline). */
  readonly server: Server;
  /** Re-reads the TLS files now (e.g. on SIGHUP) instead of waiting for the next poll; nothing to do over HTTP. */
  reload(): Promise<void>;
  /** Stops accepting, waits for requests in flight (closes idle keep-alive sockets), resolves when closed. */
  close(): Promise<void>;
}

interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * Serves `fetch` over HTTP or HTTPS on real sockets through @hono/node-server's request listener, with timeouts
 * against slow clients and TLS files that are re-read when they change: a renewed certificate (cert-manager, a
 * rotated Secret) is used by connections made after the change, without a restart, through
 * `server.setSecureContext`. A renewal that cannot be used (unreadable, key not matching) keeps the current
 * certificate and logs a warning. Fails with KauditError `listen_failed` (cause: the socket error, e.g.
 * EADDRINUSE) or, for TLS files, `tls_unreadable` / `tls_invalid`.
 *
 * @example
 * const listener = await listen({ fetch: kapp.fetch, host: '0.0.0.0', port: 8443, tls: { cert, key, clientCA } });
 * logger.info(`listening on ${listener.url}`);
 * process.once('SIGTERM', () => void kapp.drain().then(() => listener.close()));
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  const requestTimeout = options.requestTimeout ?? 60_000;
  const wantedHeadersTimeout = options.headersTimeout ?? 10_000;
  const headersTimeout =
    requestTimeout > 0 && (wantedHeadersTimeout === 0 || wantedHeadersTimeout > requestTimeout)
      ? requestTimeout
      : wantedHeadersTimeout;
  const shortest = Math.min(...[requestTimeout, headersTimeout].filter((t) => t > 0));
  // Longer than the idle timeout of Go's HTTP transport (90 s), which the API server uses: the client then always
  // closes an idle connection first, and never sends a batch on a socket the server is closing at that moment.
  const keepAliveTimeout = options.keepAliveTimeout ?? 95_000;
  const timeouts = {
    requestTimeout,
    headersTimeout,
    keepAliveTimeout,
    // Node enforces the request and header timeouts on this interval (default 30 s), so it must be finer than them.
    connectionsCheckingInterval: Number.isFinite(shortest)
      ? Math.max(50, Math.min(30_000, Math.floor(shortest / 4)))
      : 30_000,
  };

  const handler = getRequestListener(options.fetch);
  const responses = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  const onRequest: RequestListener = (incoming, outgoing) => {
    // A request that arrives while closing is answered, then its connection is closed instead of kept alive.
    if (closing) outgoing.setHeader('Connection', 'close');
    responses.add(outgoing);
    outgoing.once('close', () => responses.delete(outgoing));
    void handler(incoming, outgoing);
  };

  let server: Server;
  const watches: FileWatch[] = [];
  const tls = options.tls;
  if (tls) {
    const material = readTls(tls);
    const mutual = tls.clientCA !== undefined;
    let secure: HttpsServer;
    try {
      secure = createHttpsServer(
        {
          ...material,
          requestCert: mutual,
          rejectUnauthorized: mutual,
          // A client that opens a socket and never completes the handshake holds it like one that never sends headers.
          handshakeTimeout: headersTimeout > 0 ? headersTimeout : 120_000,
          ...timeouts,
        },
        onRequest,
      );
    } catch (error) {
      throw tlsInvalid(tls, error);
    }
    server = secure;
    watches.push(...watchTls(secure, tls, material, options));
  } else {
    server = createHttpServer(timeouts, onRequest);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    for (const watch of watches) watch.close();
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new KauditError('server', 'listen_failed', `cannot listen on ${options.host}:${options.port} (${code})`, {
      cause: error,
    });
  }
  // Refused handshakes (no or untrusted client certificate, plain HTTP on the TLS port) are the first thing to look
  // at when mTLS is misconfigured, but anyone can cause them: debug, not warn.
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: { remoteAddress?: string }) =>
    options.logger?.debug({ code: error.code, remote: socket.remoteAddress }, 'TLS handshake refused'),
  );
  // After listening, a socket error must not crash the process: it is logged, the server keeps serving.
  server.on('error', (error: NodeJS.ErrnoException) => options.logger?.error({ code: error.code }, 'server error'));

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;

  return {
    url,
    server,
    async reload() {
      await Promise.all(watches.map((watch) => watch.check()));
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const watch of watches) watch.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        // Connections serving a request now are closed once it is answered rather than kept alive (which would
        // hold close() for keepAliveTimeout).
        for (const response of responses) {
          if (!response.headersSent) response.setHeader('Connection', 'close');
          else response.once('finish', () => setImmediate(() => server.closeIdleConnections()));
        }
      });
      return closing;
    },
  };
}

function readTls(tls: ListenTls): TlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new KauditError('server', 'tls_unreadable', `cannot read TLS ${what} ${path} (${code})`, { cause: error });
    }
  };
  const material: TlsMaterial = { cert: read(tls.cert, 'certificate'), key: read(tls.key, 'key') };
  if (tls.clientCA !== undefined) material.ca = read(tls.clientCA, 'client CA');
  return material;
}

function tlsInvalid(tls: ListenTls, error: unknown): KauditError {
  // OpenSSL's reason ("key values mismatch", "no start line") names the fault without any key material.
  const files = [tls.cert, tls.key, tls.clientCA].filter((f) => f !== undefined).join(', ');
  return new KauditError('server', 'tls_invalid', `TLS files ${files} cannot be used: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * Watches the TLS files; any change re-reads all of them and installs them together, so a certificate is never
 * paired with the wrong key. The same content twice (cert and key watchers firing for one rotation) applies once.
 */
function watchTls(server: HttpsServer, tls: ListenTls, initial: TlsMaterial, options: ListenOptions): FileWatch[] {
  const logger = options.logger;
  // A digest rather than a copy, so no second copy of the key lingers in memory.
  const fingerprint = (m: TlsMaterial) =>
    createHash('sha256')
      .update(m.cert)
      .update('\0')
      .update(m.key)
      .update('\0')
      .update(m.ca ?? '')
      .digest('hex');
  let applied = fingerprint(initial);
  let failure: string | undefined;
  const warn = (message: string, fields: Record<string, unknown>) => {
    const state = JSON.stringify([message, fields]);
    if (state !== failure) logger?.warn(fields, message);
    failure = state;
  };

  const reload = () => {
    let material: TlsMaterial;
    try {
      material = readTls(tls);
    } catch (error) {
      warn('TLS files cannot be read; keeping the current certificate', { reason: (error as Error).message });
      return;
    }
    const next = fingerprint(material);
    if (next === applied) return;
    try {
      server.setSecureContext(material);
    } catch (error) {
      warn('TLS files cannot be used; keeping the current certificate', { reason: tlsInvalid(tls, error).message });
      return;
    }
    applied = next;
    failure = undefined;
    logger?.info({ cert: tls.cert, clientCA: tls.clientCA }, 'TLS certificate reloaded; new connections use it');
  };

  const files: [string, Buffer][] = [
    [tls.cert, initial.cert],
    [tls.key, initial.key],
  ];
  if (tls.clientCA !== undefined && initial.ca) files.push([tls.clientCA, initial.ca]);
  return files.map(([path, content]) =>
    watchFile(path, reload, {
      interval: options.watchInterval,
      initial: content,
      onError: (error) =>
        warn('TLS file cannot be read; keeping the current certificate', {
          file: path,
          code: (error as NodeJS.ErrnoException).code,
        }),
    }),
  );
}
