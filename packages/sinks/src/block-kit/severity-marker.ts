import type { Severity } from '@kaudit/core';

const MARKERS: Readonly<Record<Severity, string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};

/** The emoji shortcode that marks a severity in headers; unknown severities get a neutral one. */
export function severityMarker(severity: Severity): string {
  return MARKERS[severity] ?? ':white_circle:';
}

/** `[HIGH]`: the severity in plain text, for fallbacks and notifications. */
export function severityLabel(severity: Severity): string {
  return `[${String(severity).toUpperCase().slice(0, 10)}]`;
}
