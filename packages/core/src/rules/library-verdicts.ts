/**
 * recheck's diagnoses of the default library's `matches` patterns, computed when the library changes
 * (`node scripts/library-verdicts.mjs` after `pnpm build`) rather than at every start: starting the
 * checker costs about 0.6 s and 110 MB of a child process, for the same few patterns each time.
 * Generated: do not edit. library-verdicts.test.ts checks them against the checker and the library,
 * so a stale table fails the tests.
 */
import type { RecheckDiagnosis } from './recheck-child.js';

/** The shipped diagnoses: valid only for this checker version and these flags. */
export const LIBRARY_VERDICTS: {
  readonly checker: string;
  readonly flags: string;
  readonly diagnoses: ReadonlyArray<readonly [source: string, diagnosis: RecheckDiagnosis]>;
} = {
  checker: 'recheck@4.5.0',
  flags: 'u',
  diagnoses: [
    ['[?&]labelSelector=[^&]*owner%3Dhelm', { status: 'vulnerable', complexity: { type: 'polynomial', degree: 2 } }],
    ['^c[a-zA-Z]*$', { status: 'safe' }],
    ['^tar c[a-zA-Z]* - ', { status: 'safe' }],
  ],
};
