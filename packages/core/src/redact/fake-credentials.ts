/**
 * Fake credentials of every shape the redactor recognises, for tests. They are assembled at run
 * time so that no literal token sits in the sources for secret scanners to flag, and none of them
 * is, or ever was, a real credential.
 */

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** A service-account-shaped JWT (header, payload, fake signature). */
export const FAKE_JWT = [
  b64url('{"alg":"RS256","kid":"kaudit-test"}'),
  b64url('{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:default:builder"}'),
  b64url('not-a-real-signature-0123456789'),
].join('.');

/** A PEM RSA private key block with a fake body. */
export const FAKE_PEM_KEY = [
  '-----BEGIN RSA ' + 'PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAkaudittestnotarealkeynotarealkeynotarealkey0123',
  'bm90IGEgcmVhbCBrZXkgYXQgYWxsLCBqdXN0IGJ5dGVzIGZvciB0ZXN0cw==',
  '-----END RSA ' + 'PRIVATE KEY-----',
].join('\n');

/** Every fake credential by name; each is recognised by its shape alone. */
export const FAKE_TOKENS: Readonly<Record<string, string>> = {
  jwt: FAKE_JWT,
  pemPrivateKey: FAKE_PEM_KEY,
  pemOpenSsh:
    '-----BEGIN OPENSSH ' +
    'PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAkauditfake\n-----END OPENSSH ' +
    'PRIVATE KEY-----',
  slackBot: 'xox' + 'b-123456789012-1234567890123-KauditFakeBotToken0000',
  slackUser: 'xox' + 'p-123456789012-1234567890123-1234567890123-kauditfakeuser00',
  slackApp: 'xa' + 'pp-1-A0123456789-1234567890123-kauditfakeapptoken',
  awsAccessKeyId: 'AK' + 'IAKAUDITFAKE0EXAMP',
  awsTemporaryKeyId: 'AS' + 'IAKAUDITFAKE1EXAMP',
  githubPat: 'gh' + 'p_KauditFakeToken0123456789abcdefABCDEF',
  githubServer: 'gh' + 's_KauditFakeToken0123456789abcdefABCDEF',
  githubFineGrained: 'github' + '_pat_11KAUDITFAKE0_kauditfakefinegrainedtoken0123456789',
};

/** The secret part of a fake Slack incoming webhook URL: everything after `/services/`. */
export const FAKE_WEBHOOK_PATH = 'T00000000/B00000000/KauditFakeWebhook0000000';
/** A fake Slack incoming webhook URL. */
export const FAKE_WEBHOOK_URL = 'https://hooks.slack.' + 'com/services/' + FAKE_WEBHOOK_PATH;

/** An opaque bearer credential (not a JWT), as sent in an Authorization header. */
export const FAKE_BEARER_CREDENTIAL = 'kaudit0fake0opaque0bearer0credential';
