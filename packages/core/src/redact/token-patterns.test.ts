import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FAKE_BEARER_CREDENTIAL,
  FAKE_JWT,
  FAKE_TOKENS,
  FAKE_WEBHOOK_PATH,
  FAKE_WEBHOOK_URL,
} from './fake-credentials.js';
import { REDACTED } from './marker.js';
import { MAY_HOLD_TOKEN, TOKEN_ANCHOR, mayHoldToken, replaceTokens, type Tally } from './token-patterns.js';

function scrub(s: string): { out: string; n: number } {
  const tally: Tally = { n: 0 };
  const out = mayHoldToken(s) ? replaceTokens(s, REDACTED, tally) : s;
  return { out, n: tally.n };
}

describe('token-shaped strings', () => {
  for (const [name, token] of Object.entries(FAKE_TOKENS)) {
    it(`replaces a ${name} alone and inside a longer string, keeping the rest`, () => {
      expect(scrub(token)).toEqual({ out: REDACTED, n: 1 });
      const { out, n } = scrub(`before ${token} after`);
      expect(out).toBe(`before ${REDACTED} after`);
      expect(n).toBe(1);
    });
  }

  it('finds a JWT after a percent-escape but not inside a longer base64url run', () => {
    expect(scrub(`redirect=%2Fcb%3Ftoken%3D${FAKE_JWT}`).out).toBe(`redirect=%2Fcb%3Ftoken%3D${REDACTED}`);
    expect(scrub(`x${FAKE_JWT}`).n).toBe(0);
  });

  it('replaces only the token of a request URI query', () => {
    const uri = `/api/v1/namespaces/default/pods?watch=true&token=${FAKE_JWT}&limit=500`;
    expect(scrub(uri).out).toBe(`/api/v1/namespaces/default/pods?watch=true&token=${REDACTED}&limit=500`);
  });

  it('keeps the host of a Slack webhook URL and replaces its secret path', () => {
    const { out, n } = scrub(`posting to ${FAKE_WEBHOOK_URL} failed`);
    expect(out).toBe(`posting to https://hooks.slack.com/services/${REDACTED} failed`);
    expect(out).not.toContain(FAKE_WEBHOOK_PATH);
    expect(n).toBe(1);
  });

  it('keeps the word Bearer and replaces the credential, JWT or opaque', () => {
    expect(scrub(`Authorization: Bearer ${FAKE_BEARER_CREDENTIAL}`).out).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(scrub(`authorization: bearer ${FAKE_JWT}`)).toEqual({ out: `authorization: bearer ${REDACTED}`, n: 1 });
  });

  it('replaces a PEM block whose END line was cut off, to the end of the string', () => {
    const cut = FAKE_TOKENS.pemPrivateKey!.slice(0, 80);
    expect(scrub(`key: ${cut}`).out).toBe(`key: ${REDACTED}`);
  });

  it('replaces a PEM key embedded in a JSON string with escaped newlines', () => {
    const embedded = JSON.stringify({ tls: FAKE_TOKENS.pemPrivateKey });
    expect(scrub(embedded).out).toBe(`{"tls":"${REDACTED}"}`);
  });

  it('counts every token of a string', () => {
    const { out, n } = scrub(`${FAKE_TOKENS.awsAccessKeyId} ${FAKE_TOKENS.slackBot} ${FAKE_TOKENS.githubPat}`);
    expect(out).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    expect(n).toBe(3);
  });

  it('leaves ordinary audit strings alone, including near misses', () => {
    const ordinary = [
      'system:serviceaccount:kube-system:replicaset-controller',
      '/apis/apps/v1/namespaces/kube-system/deployments/coredns?timeout=10s',
      'kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9',
      '2024-02-01T10:11:12.123456Z',
      'b1d8a5f2-3c4e-4f7a-9a1b-2c3d4e5f6a7b',
      // The API server's own message for a rejected token: prose, no credential.
      'Unable to authenticate the request due to an error: invalid bearer token',
      // A list continuation token: one base64 JSON part, not a JWT.
      '/apis/events.k8s.io/v1/events?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NjU3NzY2N30&limit=500',
      // An AWS key ID inside a longer upper-case run is not a key ID.
      'XAKIAKAUDITFAKE0EXAMP0',
      '-----BEGIN CERTIFICATE-----\nMIIBkauditpublic\n-----END CERTIFICATE-----',
      'xoxb-short',
    ];
    for (const s of ordinary) expect(scrub(s), s).toEqual({ out: s, n: 0 });
  });

  it('returns the very same string when nothing matched (no copy)', () => {
    const s = 'arn:aws:iam::123412341234:role/AKIA-named-role-but-no-key';
    const tally: Tally = { n: 0 };
    expect(replaceTokens(s, REDACTED, tally)).toBe(s);
    expect(tally.n).toBe(0);
  });

  it('skips short strings before any pattern runs', () => {
    expect(mayHoldToken('Bearer abc')).toBe(false);
    expect(mayHoldToken(`Bearer ${FAKE_BEARER_CREDENTIAL}`)).toBe(true);
  });

  it('stays linear on crafted strings (attackers choose request URIs and bodies)', () => {
    const n = 200_000;
    const crafted = [
      'eyJ'.repeat(n / 3), // was quadratic: a JWT attempt at every eyJ of one long run
      'eyJ' + 'a'.repeat(n),
      'eyJaaaaaaaaa.eyJ' + 'b'.repeat(n),
      '-----BEGIN RSA PRIVATE KEY-----'.repeat(n / 31),
      '-----BEGIN ' + 'A'.repeat(n),
      'Bearer ' + 'a'.repeat(n),
      'Bearer' + ' '.repeat(n),
      'xoxb-'.repeat(n / 5),
      'ghp_abc'.repeat(n / 7),
      'AKIA'.repeat(n / 4),
    ];
    for (const s of crafted) {
      const started = performance.now();
      scrub(s);
      // Linear work takes a few milliseconds here; the quadratic case took seconds.
      expect(performance.now() - started, s.slice(0, 20)).toBeLessThan(1000);
    }
  });

  it('leaves its own output alone, so a second pass finds nothing', () => {
    const once = scrub(`Bearer ${FAKE_JWT} ${FAKE_WEBHOOK_URL} ${FAKE_TOKENS.pemPrivateKey}`).out;
    expect(scrub(once)).toEqual({ out: once, n: 0 });
  });
});

describe('the anchor in front of the token pre-check', () => {
  // Every alternative of the pre-check on its own, so a new one without an anchor fails here.
  const alternatives = MAY_HOLD_TOKEN.source.split('|').map((source) => new RegExp(source));

  it('is found in every string the pre-check matches, alternative by alternative', () => {
    expect(alternatives.length).toBeGreaterThanOrEqual(10);
    for (const alternative of alternatives) {
      fc.assert(
        fc.property(fc.stringMatching(alternative), (s) => {
          expect(alternative.test(s)).toBe(true);
          expect(TOKEN_ANCHOR.test(s)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('changes no answer of the pre-check', () => {
    const text = fc.oneof(
      fc.string({ minLength: 15, maxLength: 60 }),
      fc
        .tuple(fc.string(), fc.constantFrom(...Object.values(FAKE_TOKENS), FAKE_WEBHOOK_URL), fc.string())
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(mayHoldToken(s)).toBe(s.length >= 20 && MAY_HOLD_TOKEN.test(s));
      }),
      { numRuns: 2000 },
    );
  });
});
