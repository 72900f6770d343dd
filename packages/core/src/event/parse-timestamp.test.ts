import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './parse-timestamp.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

describe('parseTimestamp', () => {
  it('agrees with Date.parse on RFC 3339 times, whatever came before (the day cache)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.date({
            min: new Date('1970-01-01T00:00:00Z'),
            max: new Date('2100-01-01T00:00:00Z'),
            noInvalidDate: true,
          }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (dates, offsetMinutes) => {
          for (const d of dates) {
            const iso = d.toISOString();
            expect(parseTimestamp(iso)).toBe(d.getTime());
            // Nanosecond fractions are cut to milliseconds.
            expect(parseTimestamp(iso.replace('Z', '123456Z'))).toBe(d.getTime());
            const sign = offsetMinutes < 0 ? '-' : '+';
            const abs = Math.abs(offsetMinutes);
            const withOffset = `${iso.slice(0, 23)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
            expect(parseTimestamp(withOffset)).toBe(Date.parse(withOffset));
          }
        },
      ),
    );
  });

  it('rolls over out-of-range days and the leap second as Date.UTC does', () => {
    expect(parseTimestamp('2026-02-30T10:00:00Z')).toBe(Date.UTC(2026, 1, 30, 10));
    expect(parseTimestamp('2026-12-31T23:59:60Z')).toBe(Date.UTC(2027, 0, 1));
    expect(parseTimestamp('2026-11-26T10:00:00.5Z')).toBe(Date.UTC(2026, 10, 26, 10, 0, 0, 500));
    expect(parseTimestamp('2026-11-26 10:00:00')).toBe(Date.UTC(2026, 10, 26, 10));
  });

  it('refuses what is not a timestamp', () => {
    for (const bad of [
      '',
      '2026-11-26',
      '2026-13-01T00:00:00Z',
      '2026-11-26T24:00:00Z',
      '2026-11-26T10:00:00.Z',
      'x026-11-26T10:00:00Z',
      '2026-11-26T10:00:00Q',
    ]) {
      expect(parseTimestamp(bad), bad).toBeNaN();
    }
  });
});
