/**
 * The value that replaces every redacted secret. A fixed, recognisable string (not an empty value or
 * a deleted key) so rules can still test that a field was present and readers see that kaudit acted.
 */
export const REDACTED = '[REDACTED]';
