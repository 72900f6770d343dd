import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCertificates } from './certificates.js';

const pki = makeCertificates();

describe('makeCertificates', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('issues a server certificate for loopback, signed by the CA', () => {
    const ca = new X509Certificate(pki.ca.cert);
    const server = new X509Certificate(pki.server.cert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.serialNumber).toBe(pki.server.serial);
    expect(ca.ca).toBe(true);
  });

  it('issues client certificates with the requested subject, trusted or not', () => {
    const ca = new X509Certificate(pki.ca.cert);
    const alice = new X509Certificate(pki.client('alice', { organization: 'ops' }).cert);
    expect(alice.subject.split('\n')).toEqual(['CN=alice', 'O=ops']);
    expect(alice.verify(ca.publicKey)).toBe(true);
    const mallory = new X509Certificate(pki.client('mallory', { untrusted: true }).cert);
    expect(mallory.verify(ca.publicKey)).toBe(false);
    expect(mallory.issuer).toBe('CN=untrusted test CA');
  });

  it('issues a new server certificate with another serial', () => {
    const next = pki.issueServer({ newKey: true });
    expect(next.serial).not.toBe(pki.server.serial);
    expect(next.key).not.toBe(pki.server.key);
    expect(new X509Certificate(next.cert).checkIssued(new X509Certificate(pki.ca.cert))).toBe(true);
  });

  it('writes PEM files readable only by the owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaudit-certs-'));
    dirs.push(dir);
    const paths = await pki.writeTo(dir);
    expect(await readFile(paths.cert, 'utf8')).toBe(pki.server.cert);
    expect(await readFile(paths.key, 'utf8')).toBe(pki.server.key);
    expect(await readFile(paths.ca, 'utf8')).toBe(pki.ca.cert);
    for (const path of Object.values(paths)) expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
