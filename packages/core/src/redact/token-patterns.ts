/**
 * Token-shaped strings: credentials recognisable by their form alone, wherever they appear
 * (request URIs, user agents, annotations, any string of any body, status messages).
 *
 * This runs over every string of every event, so the common case (a string holding nothing) must
 * cost a length test and at most one small non-global regex test: no allocation, no replace.
 */

/** A running count of replacements, shared by the callers of {@link replaceTokens}. */
export interface Tally {
  n: number;
}

/**
 * Strings shorter than the shortest token this module recognises cannot hold one (`Bearer ` + 13
 * characters, `xoxb-` + 15, an AWS key ID): skip them without looking. Short strings (verbs, stages,
 * names) are most strings of an event, so this bound is what keeps the pass cheap.
 */
export const MIN_TOKEN_LENGTH = 20;

/**
 * One cheap test for every prefix the exact patterns start with. A hit only means "look closer":
 * the exact pattern decides. Keep it in step with {@link TOKEN_PATTERN} and {@link TOKEN_ANCHOR}.
 */
export const MAY_HOLD_TOKEN =
  /eyJ|-----BEGIN|xox[abeoprs]-|xapp-|hooks\.slack\.com\/|AKIA|ASIA|gh[pousr]_|github_pat_|[Bb]earer\s/;

// Characters of a bearer credential (RFC 6750 b64token, plus `_`).
const B64TOKEN = '[\\w.~+/=-]';

/**
 * The exact patterns, one alternation so a string is scanned once. Groups 1 and 2 capture a prefix
 * that stays readable (`Bearer `, `hooks.slack.com/services/`); everything else matched is replaced.
 */
const TOKEN_PATTERN = new RegExp(
  [
    // Bearer credentials. The credential must be 13+ characters and hold a digit or symbol, so prose
    // such as the API server's own "invalid bearer token" is not touched.
    `([Bb]earer\\s+)(?=${B64TOKEN}{13})(?=${B64TOKEN}*[\\d.~+/=_-])${B64TOKEN}+`,
    // Slack incoming webhooks and workflow triggers: the path is the secret, the host stays.
    '(hooks\\.slack\\.com/(?:services|workflows|triggers)/)[\\w/-]+',
    // JWTs (service-account tokens, OIDC id tokens): base64url header and payload both open with `{"`.
    // Only at the start of a base64url run (or after a %XX escape): trying every `eyJ` inside one
    // long run would make a crafted string of `eyJeyJeyJ...` cost quadratic time.
    '(?:(?<![\\w-])|(?<=%[0-9A-Fa-f]{2}))eyJ[\\w-]{8,}\\.eyJ[\\w-]{8,}\\.[\\w-]*',
    // PEM private keys, the whole block; a block cut off before its END line is redacted to the end.
    '-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\\s\\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)',
    // Slack bot, user, app, refresh and config tokens.
    '(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{15,}',
    // AWS access key IDs (long-term AKIA, temporary ASIA).
    '(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])',
    // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
    'gh[pousr]_[A-Za-z0-9]{20,}',
    'github_pat_\\w{20,}',
  ].join('|'),
  'g',
);

/**
 * A character or trigram that every match of {@link MAY_HOLD_TOKEN} contains: `J` (eyJ), `I`
 * (BEGIN, AKIA, ASIA), `x` (xox, xapp), `_` (gh?_, github_pat_), whitespace (bearer) and `ook`
 * (hooks.slack.com). A string without any cannot match, and this one class scan is cheaper than the
 * alternation on most strings of an event (UUIDs, request URIs, user names): about a third less on
 * PerfSPEC. A property test checks it against strings generated from the pre-check itself: keep the
 * two in step.
 */
export const TOKEN_ANCHOR = /[JIx_\s]|ook/;

/** True when `s` may hold a token: the cheap pre-check, no allocation. */
export function mayHoldToken(s: string): boolean {
  return s.length >= MIN_TOKEN_LENGTH && TOKEN_ANCHOR.test(s) && MAY_HOLD_TOKEN.test(s);
}

/**
 * Replaces every token in `s` with `marker`, keeping the readable prefix of bearer credentials and
 * Slack webhook URLs, and adds the number of tokens replaced to `tally`. Returns `s` itself when it
 * holds no token. Call {@link mayHoldToken} first: this one runs the exact (slower) patterns.
 */
export function replaceTokens(s: string, marker: string, tally: Tally): string {
  let found = 0;
  const out = s.replace(TOKEN_PATTERN, (_match: string, bearer?: string, hook?: string) => {
    found++;
    return (bearer ?? hook ?? '') + marker;
  });
  if (found === 0) return s;
  tally.n += found;
  return out;
}
