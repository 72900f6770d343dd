const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Options of {@link escapeSlackText}. */
export interface EscapeOptions {
  /**
   * For values shown inside inline code: newlines and other control characters become spaces and
   * backticks become `ˋ`, so a value can neither end its code span nor span lines.
   */
  inline?: boolean;
}

/**
 * Makes attacker-controlled text safe for Slack and caps its length: `&`, `<`, `>` become entities, so
 * no text can form `<!channel>`, `<@U123>` or `<https://…|forged>`; the result has at most `max`
 * characters (UTF-16 units, which Slack's character limits never undercount), ends in `…` when cut,
 * and never cuts an entity or a surrogate pair. Only the first `max` characters of `value` are read,
 * so a 100 KB value costs no more than a short one.
 *
 * @example
 * escapeSlackText('<!channel> & co', 100); // '&lt;!channel&gt; &amp; co'
 */
export function escapeSlackText(value: string, max: number, options: EscapeOptions = {}): string {
  const inline = options.inline === true;
  let out = '';
  // Length of the longest prefix that still leaves room for the ellipsis: always a piece boundary.
  let safe = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let piece: string;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      piece = value.slice(i, i + 2);
      i++;
    } else {
      const char = value[i]!;
      piece = ENTITIES[char] ?? char;
      if (code < 0x20 || code === 0x7f) {
        piece = inline || (char !== '\n' && char !== '\t') ? ' ' : char;
      } else if (inline && char === '`') {
        piece = 'ˋ';
      }
    }
    if (out.length + piece.length > max) return `${out.slice(0, safe)}…`;
    out += piece;
    if (out.length <= max - 1) safe = out.length;
  }
  return out;
}

/** A value as inline code, escaped and capped (`max` counts the backticks); `—` when absent. */
export function inlineCode(value: unknown, max: number): string {
  if (value === undefined || value === null || value === '') return '—';
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `\`${escapeSlackText(text, Math.max(1, max - 2), { inline: true })}\``;
}
