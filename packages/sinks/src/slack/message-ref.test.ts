import { describe, expect, it } from 'vitest';
import { formatMessageRef, parseMessageRef } from './message-ref.js';

describe('message refs', () => {
  it('carry the channel ID with the ts, and read back', () => {
    const ref = formatMessageRef({ channel: 'C0123ABCD', ts: '1764186000.000100' });
    expect(ref).toBe('C0123ABCD/1764186000.000100');
    expect(parseMessageRef(ref)).toEqual({ channel: 'C0123ABCD', ts: '1764186000.000100' });
  });

  it('are the bare ts without a channel, and a bare ts reads as one', () => {
    expect(formatMessageRef({ ts: '1764186000.000100' })).toBe('1764186000.000100');
    expect(parseMessageRef('1764186000.000100')).toEqual({ ts: '1764186000.000100' });
    expect(parseMessageRef('/1764186000.000100')).toEqual({ ts: '1764186000.000100' });
  });
});
