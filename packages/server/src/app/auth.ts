import { createHash, timingSafeEqual } from 'node:crypto';

/** What may call the server; a getter so files can be re-read without a restart. */
export interface Credentials {
  /** Bearer tokens, any of them accepted (several at once, for rotation). Compared in constant time. */
  bearerTokens: readonly string[];
  /** Username and password pairs for HTTP Basic authentication (the seed's webhook kubeconfig uses it). */
  basic: readonly { username: string; password: string }[];
  /**
   * Client-certificate subjects allowed: a common name (`kube-apiserver`) or a full subject
   * (`CN=kube-apiserver,O=system:masters`, attribute order free). Only meaningful over mTLS. Empty or
   * absent: any certificate the client CA verified.
   */
  clientSubjects?: readonly string[];
  /** True when the listener verifies client certificates (mTLS): a verified, allowed certificate authenticates. */
  clientCertificates?: boolean;
}

/** Who a request was authenticated as: for logs, never a secret. */
export interface Principal {
  method: 'bearer' | 'basic' | 'certificate';
  /** `token 2` (1-based position in the configured list), the Basic username, or the certificate's subject. */
  name: string;
}

/** The verdict on one request. */
export type AuthResult =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      /** `missing`: no credentials presented; `invalid`: presented and refused. */
      reason: 'missing' | 'invalid';
      /** The `WWW-Authenticate` header value to send with the 401. */
      challenge: string;
    };

/** What the request offers: its Authorization header and, over TLS, its socket (for the client certificate). */
export interface AuthRequest {
  authorization?: string | undefined;
  /** `c.env.incoming.socket` under @hono/node-server: a TLSSocket over HTTPS, a plain Socket otherwise. */
  socket?: unknown;
}

/** Checks requests against the current credentials; see {@link createAuth}. */
export interface Authenticator {
  authenticate(request: AuthRequest): AuthResult;
}

/** The parts of a TLSSocket we read, so plain sockets and other environments are checked safely. */
interface PeerCertificateSocket {
  authorized?: boolean;
  getPeerCertificate?: () => { subject?: Record<string, string | string[] | undefined> } | null;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Equal in constant time whatever the lengths: both sides are hashed first, so timingSafeEqual always
 * compares 32 bytes and the time tells nothing about the secret's length or prefix.
 */
function sameSecret(given: Buffer, configured: string): boolean {
  return timingSafeEqual(given, sha256(configured));
}

/** True when the credentials allow at least one way in (an empty token does not count). */
export function authConfigured(c: Credentials): boolean {
  return (
    c.bearerTokens.some((t) => t.length > 0) ||
    c.basic.some((b) => b.username.length > 0 && b.password.length > 0) ||
    c.clientCertificates === true
  );
}

/**
 * Splits a distinguished name (`CN=a,O=b` or `CN=a, O=b`) into sorted `key=value` pairs; `\,` escapes
 * a comma inside a value.
 */
function dnPairs(dn: string): string[] {
  return dn
    .split(/(?<!\\),/)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part.trim();
      return `${part.slice(0, eq).trim().toUpperCase()}=${part
        .slice(eq + 1)
        .trim()
        .replace(/\\,/g, ',')}`;
    })
    .filter((p) => p.length > 0)
    .sort();
}

/** `key=value` pairs of a certificate subject as Node reports it (multi-valued attributes give several pairs). */
function subjectPairs(subject: Record<string, string | string[] | undefined>): string[] {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(subject)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push(`${key.toUpperCase()}=${v}`);
  }
  return pairs.sort();
}

/**
 * Whether a certificate subject (Node's `getPeerCertificate().subject`) is one of the allowed ones. An
 * entry with `=` is a full subject and must name exactly the certificate's attributes (in any order);
 * an entry without is a common name. An empty list allows every subject (the CA already vouched).
 *
 * @example
 * subjectMatches({ CN: 'kube-apiserver', O: 'kaudit' }, ['CN=kube-apiserver,O=kaudit']) // true
 */
export function subjectMatches(
  subject: Record<string, string | string[] | undefined>,
  allowed: readonly string[] | undefined,
): boolean {
  if (!allowed || allowed.length === 0) return true;
  const cn = subject['CN'];
  const names = cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
  const actual = subjectPairs(subject).join('\n');
  return allowed.some((entry) =>
    entry.includes('=') ? dnPairs(entry).join('\n') === actual : names.includes(entry.trim()),
  );
}

function certificateSubject(socket: unknown): Record<string, string | string[] | undefined> | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined;
  const tls = socket as PeerCertificateSocket;
  // `authorized` is only true when the client CA verified the chain; an unverified cert never counts.
  if (tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const cert = tls.getPeerCertificate();
  return cert?.subject ?? undefined;
}

function describeSubject(subject: Record<string, string | string[] | undefined>): string {
  return Object.entries(subject)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(',');
}

function checkBearer(token: string, tokens: readonly string[]): Principal | undefined {
  const given = sha256(token);
  let found = -1;
  // Every configured token is compared, without early exit, so the time does not tell which one (or
  // whether any) matched.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const equal = sameSecret(given, t) && t.length > 0;
    if (equal && found < 0) found = i;
  }
  return found < 0 ? undefined : { method: 'bearer', name: `token ${found + 1}` };
}

function checkBasic(encoded: string, pairs: Credentials['basic']): Principal | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = sha256(decoded.slice(0, colon));
  const password = sha256(decoded.slice(colon + 1));
  let found: string | undefined;
  for (const pair of pairs) {
    // Both comparisons always run (`&` not `&&`): a known username must not answer faster.
    const equal = Number(sameSecret(user, pair.username)) & Number(sameSecret(password, pair.password));
    if (equal === 1 && pair.password.length > 0 && found === undefined) found = pair.username;
  }
  return found === undefined ? undefined : { method: 'basic', name: found };
}

function challengeFor(c: Credentials): string {
  const schemes: string[] = [];
  if (c.bearerTokens.length > 0 || c.basic.length === 0) schemes.push('Bearer realm="kaudit"');
  if (c.basic.length > 0) schemes.push('Basic realm="kaudit", charset="UTF-8"');
  return schemes.join(', ');
}

/**
 * Authentication of `POST /audit`: Bearer tokens, Basic auth and, over mTLS, client certificates.
 * `credentials` is called on every request, so a rotated token file applies to the next request
 * without a restart. Any configured method that succeeds lets the request in; nothing configured
 * lets nothing in.
 *
 * @example
 * const auth = createAuth(() => ({ bearerTokens: [process.env.KAUDIT_AUTH_TOKEN!], basic: [] }));
 * const app = createApp({ pipeline, auth });
 */
export function createAuth(credentials: () => Credentials): Authenticator {
  return {
    authenticate({ authorization, socket }: AuthRequest): AuthResult {
      const c = credentials();
      if (c.clientCertificates === true) {
        const subject = certificateSubject(socket);
        if (subject !== undefined && subjectMatches(subject, c.clientSubjects)) {
          return { ok: true, principal: { method: 'certificate', name: describeSubject(subject) } };
        }
      }
      const header = authorization?.trim() ?? '';
      const space = header.indexOf(' ');
      const scheme = space < 0 ? header.toLowerCase() : header.slice(0, space).toLowerCase();
      const value = space < 0 ? '' : header.slice(space + 1).trim();
      let principal: Principal | undefined;
      if (scheme === 'bearer' && value.length > 0) principal = checkBearer(value, c.bearerTokens);
      else if (scheme === 'basic' && value.length > 0) principal = checkBasic(value, c.basic);
      if (principal) return { ok: true, principal };
      return { ok: false, reason: header.length === 0 ? 'missing' : 'invalid', challenge: challengeFor(c) };
    },
  };
}
