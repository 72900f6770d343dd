/**
 * Test helpers for kaudit users and for kaudit's own tests: event builders and the real-data fixtures.
 * Import from `@kaudit/core/testing`.
 */
export { FIXTURES_DIR, fixture, hasFixtures, skipWithoutFixtures } from './fixtures.js';
export { auditEvent, type AuditEventInit } from './audit-event-builder.js';
