import { describe, expect, it } from 'vitest';
import { packUuid, unpackUuid } from './packed-uuid.js';

describe('packUuid', () => {
  it('packs exactly the lowercase UUIDs, and unpacks them to the same text', () => {
    for (const id of [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      crypto.randomUUID(),
    ]) {
      const packed = packUuid(id);
      expect(packed).toHaveLength(16);
      expect(unpackUuid(packed!)).toBe(id);
    }
    for (const id of [
      'A0000000-0000-0000-0000-000000000000',
      '00000000-0000-0000-0000-00000000000',
      '00000000_0000-0000-0000-000000000000',
      '',
    ])
      expect(packUuid(id)).toBeUndefined();
  });
});
