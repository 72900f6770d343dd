// C0 and C1 control characters except tab and newline, plus the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Makes attacker-controlled text safe for a terminal: event fields can carry ANSI escape sequences
 * or other control characters that would rewrite the screen of whoever reads the alert.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
