import { describe, expect, it } from 'vitest';
import { authConfigured, createAuth, subjectMatches, type Credentials } from './auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const none: Credentials = { bearerTokens: [], basic: [] };

/** What a TLSSocket reports for a client certificate (the listener's real sockets are tested by serve/listen). */
const tlsSocket = (authorized: boolean, subject: Record<string, string | string[]>) => ({
  authorized,
  getPeerCertificate: () => ({ subject }),
});

describe('subjectMatches', () => {
  const subject = { CN: 'kube-apiserver', O: 'kaudit', C: 'DE' };

  it('matches a common name, or a full subject in any attribute order and spacing', () => {
    expect(subjectMatches(subject, ['kube-apiserver'])).toBe(true);
    expect(subjectMatches(subject, ['CN=kube-apiserver,O=kaudit,C=DE'])).toBe(true);
    expect(subjectMatches(subject, ['C=DE, O=kaudit, cn=kube-apiserver'])).toBe(true);
  });

  it('refuses another common name, a partial or a longer subject', () => {
    expect(subjectMatches(subject, ['kube-apiserver-2'])).toBe(false);
    expect(subjectMatches(subject, ['CN=kube-apiserver,O=kaudit'])).toBe(false);
    expect(subjectMatches(subject, ['CN=kube-apiserver,O=kaudit,C=DE,OU=x'])).toBe(false);
    expect(subjectMatches({ O: 'kaudit' }, ['kaudit'])).toBe(false);
  });

  it('allows any subject when the list is empty (the CA vouched), and one of several entries', () => {
    expect(subjectMatches(subject, [])).toBe(true);
    expect(subjectMatches(subject, undefined)).toBe(true);
    expect(subjectMatches(subject, ['other', 'CN=kube-apiserver,O=kaudit,C=DE'])).toBe(true);
  });

  it('reads multi-valued attributes and escaped commas', () => {
    expect(subjectMatches({ CN: 'a', OU: ['x', 'y'] }, ['CN=a,OU=y,OU=x'])).toBe(true);
    expect(subjectMatches({ CN: 'a, b' }, ['CN=a\\, b'])).toBe(true);
  });
});

describe('authConfigured', () => {
  it('is true when any method is configured, not for empty tokens or passwords', () => {
    expect(authConfigured(none)).toBe(false);
    expect(authConfigured({ bearerTokens: [''], basic: [{ username: 'u', password: '' }] })).toBe(false);
    expect(authConfigured({ bearerTokens: ['t'], basic: [] })).toBe(true);
    expect(authConfigured({ bearerTokens: [], basic: [{ username: 'u', password: 'p' }] })).toBe(true);
    expect(authConfigured({ ...none, clientCertificates: true })).toBe(true);
  });
});

describe('createAuth', () => {
  it('accepts every configured token and names which one, never the token itself', () => {
    const auth = createAuth(() => ({ bearerTokens: ['first', 'second'], basic: [] }));
    expect(auth.authenticate({ authorization: 'Bearer first' })).toEqual({
      ok: true,
      principal: { method: 'bearer', name: 'token 1' },
    });
    expect(auth.authenticate({ authorization: 'Bearer second' })).toMatchObject({ principal: { name: 'token 2' } });
    expect(auth.authenticate({ authorization: 'Bearer third' })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(auth.authenticate({})).toMatchObject({ ok: false, reason: 'missing', challenge: 'Bearer realm="kaudit"' });
  });

  it('never matches an empty token, even when one is configured', () => {
    const auth = createAuth(() => ({ bearerTokens: [''], basic: [{ username: 'u', password: '' }] }));
    expect(auth.authenticate({ authorization: 'Bearer ' }).ok).toBe(false);
    expect(auth.authenticate({ authorization: 'Bearer' }).ok).toBe(false);
    expect(auth.authenticate({ authorization: basic('u', '') }).ok).toBe(false);
  });

  it('checks basic username and password together, with colons allowed in the password', () => {
    const auth = createAuth(() => ({
      bearerTokens: [],
      basic: [
        { username: 'alice', password: 'a:b:c' },
        { username: 'bob', password: 'pw' },
      ],
    }));
    expect(auth.authenticate({ authorization: basic('alice', 'a:b:c') })).toEqual({
      ok: true,
      principal: { method: 'basic', name: 'alice' },
    });
    expect(auth.authenticate({ authorization: basic('bob', 'pw') }).ok).toBe(true);
    expect(auth.authenticate({ authorization: basic('alice', 'pw') }).ok).toBe(false);
    expect(auth.authenticate({ authorization: 'Basic !!!not-base64' }).ok).toBe(false);
    const refused = auth.authenticate({ authorization: basic('bob', 'nope') });
    expect(refused).toMatchObject({ ok: false, challenge: 'Basic realm="kaudit", charset="UTF-8"' });
  });

  it('accepts a verified client certificate with an allowed subject, only when client certificates are on', () => {
    let credentials: Credentials = { ...none, clientCertificates: true, clientSubjects: ['kube-apiserver'] };
    const auth = createAuth(() => credentials);
    const good = tlsSocket(true, { CN: 'kube-apiserver', O: 'kaudit' });
    expect(auth.authenticate({ socket: good })).toEqual({
      ok: true,
      principal: { method: 'certificate', name: 'CN=kube-apiserver,O=kaudit' },
    });
    expect(auth.authenticate({ socket: tlsSocket(true, { CN: 'someone-else' }) }).ok).toBe(false);
    // Not verified by the client CA: never enough, whatever the subject says.
    expect(auth.authenticate({ socket: tlsSocket(false, { CN: 'kube-apiserver' }) }).ok).toBe(false);
    // A plain socket, or none.
    expect(auth.authenticate({ socket: {} }).ok).toBe(false);
    expect(auth.authenticate({ socket: undefined }).ok).toBe(false);
    credentials = { ...none, clientCertificates: false, clientSubjects: ['kube-apiserver'] };
    expect(auth.authenticate({ socket: good }).ok).toBe(false);
  });

  it('reads the credentials on every call, so rotation applies at once', () => {
    let tokens = ['old'];
    const auth = createAuth(() => ({ bearerTokens: tokens, basic: [] }));
    expect(auth.authenticate({ authorization: 'Bearer old' }).ok).toBe(true);
    tokens = ['new'];
    expect(auth.authenticate({ authorization: 'Bearer old' }).ok).toBe(false);
    expect(auth.authenticate({ authorization: 'Bearer new' }).ok).toBe(true);
  });

  it('lets nothing in when nothing is configured', () => {
    const auth = createAuth(() => none);
    expect(auth.authenticate({ authorization: 'Bearer x' }).ok).toBe(false);
    expect(auth.authenticate({ authorization: basic('a', 'b') }).ok).toBe(false);
  });
});
