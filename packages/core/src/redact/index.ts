// Redaction: what @kaudit/core exports from this folder.
export { createRedactor, type Redactor } from './create-redactor.js';
export { REDACTED } from './marker.js';
export type { RedactionOptions } from './redaction-options.js';
