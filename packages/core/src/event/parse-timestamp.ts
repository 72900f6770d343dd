/**
 * Parses the timestamps audit logs carry into epoch milliseconds, or `NaN`.
 * Accepts RFC 3339 with any fraction (`2018-10-26T13:38:34.867116Z`, nanoseconds included), a space
 * instead of `T`, numeric offsets, and no zone (read as UTC, as exported logs mean it). Hand-written
 * because `Date.parse` is slow on the hot path and rejects nanosecond fractions on some runtimes.
 */
export function parseTimestamp(text: string): number {
  // The decoder checks an event's stageTimestamp and the stream reads it as event time right after
  // (pushBody hands each event on as soon as it is checked): the same string, parsed once.
  if (text === lastText) return lastValue;
  const value = parse(text);
  lastText = text;
  lastValue = value;
  return value;
}

let lastText = '';
let lastValue = NaN;

function parse(text: string): number {
  const n = text.length;
  if (n < 19) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const sep = text.charCodeAt(10);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 60 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 32 && sep !== 116) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    hour < 0 ||
    minute < 0 ||
    second < 0
  ) {
    return NaN;
  }
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
    ms = Math.floor(ms);
  }
  let offset = 0;
  if (i < n) {
    const z = text.charCodeAt(i);
    if ((z === 90 || z === 122) && i === n - 1) {
      offset = 0;
    } else if ((z === 43 || z === 45) && (n - i === 6 || n - i === 5)) {
      const oh = digits(text, i + 1, 2);
      const om = n - i === 6 ? digits(text, i + 4, 2) : digits(text, i + 3, 2);
      if (oh < 0 || om < 0) return NaN;
      offset = (z === 43 ? 1 : -1) * (oh * 60 + om) * 60_000;
    } else {
      return NaN;
    }
  }
  // Date.UTC is linear in hours, minutes, seconds and ms (leap second 60 included), and events of a
  // batch share their day: the day's start is computed once per distinct day, not per timestamp.
  if (year !== lastYear || month !== lastMonth || day !== lastDay) {
    lastDayStart = Date.UTC(year, month - 1, day);
    lastYear = year;
    lastMonth = month;
    lastDay = day;
  }
  return lastDayStart + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset;
}

let lastYear = -1;
let lastMonth = -1;
let lastDay = -1;
let lastDayStart = NaN;

function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
