import { describe, expect, it } from 'vitest';
import { flatText } from './flat-text.js';

describe('flatText', () => {
  it('returns the same code units, lone surrogates and control characters included', () => {
    const parts = ['a', '\ud800', 'é', '\u0000', '"\\', '\udfff', '😀', ''];
    let text = '';
    for (const p of parts) text += `${p}-`;
    expect(flatText(text)).toBe(text);
    expect(flatText('')).toBe('');
  });
});
