/**
 * Test helpers for kaudit users and for kaudit's own tests: event builders and the real-data fixtures.
 * Import from `@kaudit/core/testing`.
 */
export {
  auditFixtureFiles,
  FIXTURES_DIR,
  fixture,
  fixtureEvents,
  hasFixtures,
  skipWithoutFixtures,
} from './fixtures.js';
export { auditEvent, type AuditEventInit } from './audit-event-builder.js';
export { ruleTestSuite, type RuleTestSuite, type RuleTestSuiteCase } from '../rules/rule-tests-suite.js';
export { seededRandom } from './seeded-random.js';
