import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** A request of {@link send}. */
export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent with `Transfer-Encoding: chunked` (no Content-Length), one write each, instead of `body`. */
  chunks?: (string | Buffer)[];
  /** CA the client trusts (HTTPS); without it the test CA is not trusted and the handshake fails. */
  ca?: string;
  /** Client certificate and key for mTLS. */
  cert?: string;
  key?: string;
}

/** What came back, with the server certificate's serial over HTTPS. */
export interface SendResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** `getPeerCertificate().serialNumber` of the server, over HTTPS. */
  serverSerial?: string;
}

/**
 * One request on a fresh connection (no agent: each call handshakes again, so it sees the server's current
 * certificate), through node's own http/https clients. Rejects with the socket or TLS error.
 */
export function send(url: string, init: SendInit = {}): Promise<SendResult> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const options = {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    agent: false as const,
    ...(secure ? { ca: init.ca, cert: init.cert, key: init.key } : {}),
  };
  return new Promise<SendResult>((resolve, reject) => {
    let answered = false;
    const req = (secure ? httpsRequest : httpRequest)(target, options, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      // Read now: the socket is detached from the response once it ends.
      const serverSerial = secure ? (res.socket as TLSSocket).getPeerCertificate().serialNumber : undefined;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ...(serverSerial === undefined ? {} : { serverSerial }),
        });
      });
    });
    // A server refusing a body (413) may close while the client still writes it: the answer counts, not the EPIPE.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (init.chunks) {
      for (const chunk of init.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(init.body);
    }
  });
}
