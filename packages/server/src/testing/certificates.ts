import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

/** A PEM certificate with its PEM private key, and the certificate's serial number (hex, as node reports it). */
export interface CertificateAndKey {
  readonly cert: string;
  readonly key: string;
  /** Upper-case hex, the form of `tls.PeerCertificate.serialNumber`, so tests can tell two certificates apart. */
  readonly serial: string;
}

/** Options of {@link TestCertificates.client}. */
export interface ClientCertificateOptions {
  /** Organization (O) of the subject, to test subjects of the form `CN=x,O=y`. */
  organization?: string;
  /** Sign with a second CA that the server does not trust (for refused-handshake tests). */
  untrusted?: boolean;
}

/** Options of {@link TestCertificates.issueServer}. */
export interface ServerCertificateOptions {
  /** Generate a fresh key pair instead of reusing the first server key (a realistic rotation). */
  newKey?: boolean;
  /** Subject alternative names; default IP 127.0.0.1, IP ::1 and DNS localhost. */
  hosts?: readonly string[];
}

/** Paths written by {@link TestCertificates.writeTo}. */
export interface CertificatePaths {
  /** The CA certificate (use as the server's client CA and as the clients' trusted CA). */
  readonly ca: string;
  /** The server certificate. */
  readonly cert: string;
  /** The server private key. */
  readonly key: string;
}

/** A test PKI: a CA, a server certificate it signed, and client certificates on demand. */
export interface TestCertificates {
  readonly ca: CertificateAndKey;
  /** Signed by `ca`; SAN IP 127.0.0.1, IP ::1, DNS localhost; CN localhost. */
  readonly server: CertificateAndKey;
  /** A client certificate with subject `CN=<subjectCN>` (and `O=` when given), signed by `ca` unless `untrusted`. */
  client(subjectCN: string, options?: ClientCertificateOptions): CertificateAndKey;
  /** Another server certificate signed by `ca` (new serial), e.g. to test rotation. */
  issueServer(options?: ServerCertificateOptions): CertificateAndKey;
  /**
   * Writes `ca.pem`, `server.pem` and `server-key.pem` into `dir` (created if missing), mode 0600 because the key
   * is a secret even in tests. `server` replaces the server pair written (rotation tests rewrite the same paths).
   */
  writeTo(dir: string, options?: { server?: CertificateAndKey }): Promise<CertificatePaths>;
}

/** Options of {@link makeCertificates}. */
export interface MakeCertificatesOptions {
  /** Common name of the CA; default `kaudit test CA`. */
  caName?: string;
  /** RSA key size; default 2048 (what real deployments use; node's native generator keeps it fast). */
  bits?: number;
}

type KeyPair = forge.pki.rsa.KeyPair;

interface Authority {
  readonly cert: forge.pki.Certificate;
  readonly keys: KeyPair;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Generates a test PKI in memory with node-forge, so no key material is committed and no `openssl` is needed.
 * Key pairs are generated lazily and reused (all client certificates share one key, the untrusted CA is made only
 * when asked for): RSA key generation is the slow part, so call this once per test file.
 *
 * @example
 * const pki = makeCertificates();
 * const paths = await pki.writeTo(dir);
 * const listener = await listen({ fetch, host: '127.0.0.1', port: 0, tls: { cert: paths.cert, key: paths.key } });
 * const alice = pki.client('alice');
 */
export function makeCertificates(options: MakeCertificatesOptions = {}): TestCertificates {
  const bits = options.bits ?? 2048;
  const generate = (): KeyPair => forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
  const ca = makeAuthority(options.caName ?? 'kaudit test CA', generate());
  const serverKeys = generate();
  let clientKeys: KeyPair | undefined;
  let untrustedCa: Authority | undefined;

  const issueServer = (serverOptions: ServerCertificateOptions = {}): CertificateAndKey => {
    const keys = serverOptions.newKey ? generate() : serverKeys;
    const hosts = serverOptions.hosts ?? ['127.0.0.1', '::1', 'localhost'];
    const altNames = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host }));
    return issue(
      ca,
      keys,
      [{ name: 'commonName', value: 'localhost' }],
      [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    );
  };
  const server = issueServer();

  return {
    ca: pair(ca.cert, ca.keys),
    server,
    issueServer,
    client(subjectCN, clientOptions = {}) {
      clientKeys ??= generate();
      const issuer = clientOptions.untrusted ? (untrustedCa ??= makeAuthority('untrusted test CA', generate())) : ca;
      const subject = [{ name: 'commonName', value: subjectCN }];
      if (clientOptions.organization !== undefined) {
        subject.push({ name: 'organizationName', value: clientOptions.organization });
      }
      return issue(issuer, clientKeys, subject, [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', clientAuth: true },
      ]);
    },
    async writeTo(dir, writeOptions = {}) {
      const written = writeOptions.server ?? server;
      await mkdir(dir, { recursive: true });
      const paths = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
      // The key first: a reloading server that sees the new certificate must also find its key.
      await writeSecret(paths.key, written.key);
      await writeSecret(paths.cert, written.cert);
      await writeSecret(paths.ca, this.ca.cert);
      return paths;
    },
  };
}

async function writeSecret(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; a rewritten file keeps its old mode otherwise.
  await chmod(path, 0o600);
}

function makeAuthority(commonName: string, keys: KeyPair): Authority {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, keys };
}

function issue(
  issuer: Authority,
  keys: KeyPair,
  subject: forge.pki.CertificateField[],
  extensions: object[],
): CertificateAndKey {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 30 * DAY);
  cert.setSubject(subject);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(issuer.keys.privateKey, forge.md.sha256.create());
  return pair(cert, keys);
}

function pair(cert: forge.pki.Certificate, keys: KeyPair): CertificateAndKey {
  return {
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
    serial: cert.serialNumber.toUpperCase(),
  };
}

/** A random positive 64-bit serial (leading byte < 0x80 keeps the DER integer positive without padding). */
function serialNumber(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes.toString('hex');
}
