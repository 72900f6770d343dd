import { describe, expect, it } from 'vitest';
import { escapeSlackText, inlineCode } from './escape-slack-text.js';

describe('escapeSlackText', () => {
  it('escapes &, < and > so nothing can mention or link', () => {
    expect(escapeSlackText('<!channel> <@U1> <https://evil|x> a&b', 200)).toBe(
      '&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil|x&gt; a&amp;b',
    );
  });

  it('leaves text that fits unchanged', () => {
    expect(escapeSlackText('kubectl/v1.30', 13)).toBe('kubectl/v1.30');
  });

  it('caps at max with an ellipsis, never cutting an entity', () => {
    // 'ab' + '&lt;' = 6 characters; a cut inside the entity must drop it whole.
    expect(escapeSlackText('ab<cd', 5)).toBe('ab…');
    expect(escapeSlackText('ab<cd', 7)).toBe('ab&lt;…');
    expect(escapeSlackText('ab<cd', 8)).toBe('ab&lt;cd');
  });

  it('never cuts a surrogate pair', () => {
    expect(escapeSlackText('a😀b', 3)).toBe('a…');
    expect(escapeSlackText('a😀b', 4)).toBe('a😀b');
  });

  it('reads only what it keeps of a huge value', () => {
    const text = escapeSlackText('<'.repeat(1_000_000), 100);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toBe(`${'&lt;'.repeat(24)}…`);
  });

  it('keeps newlines in text and turns other control characters into spaces', () => {
    expect(escapeSlackText('a\nb\u0007c\u001b[2J', 100)).toBe('a\nb c [2J');
  });

  it('inline: one line, no backtick to end the code span', () => {
    expect(escapeSlackText('a\nb`*bold*`', 100, { inline: true })).toBe('a bˋ*bold*ˋ');
  });
});

describe('inlineCode', () => {
  it('wraps in backticks within max, and shows absent values as a dash', () => {
    expect(inlineCode('<!here>', 100)).toBe('`&lt;!here&gt;`');
    expect(inlineCode('abcdef', 6)).toBe('`abc…`');
    expect(inlineCode(undefined, 10)).toBe('—');
    expect(inlineCode('', 10)).toBe('—');
    expect(inlineCode(403, 10)).toBe('`403`');
  });
});
