/** Test utilities for sinks: a local Slack server speaking the parts of Slack's protocol kaudit uses. */
export {
  startSlackTestServer,
  type CallRecord,
  type ReceivedMessage,
  type ReceivedUpdate,
  type SlackTestFailure,
  type SlackTestMethod,
  type SlackTestServer,
  type SlackTestServerOptions,
} from './slack-test-server.js';
export type { RateLimit } from './channel-rate-limit.js';
export { validateSlackPayload } from './validate-slack-payload.js';
