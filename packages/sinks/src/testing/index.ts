/** Test utilities for sinks: a local Slack server speaking the parts of Slack's protocol kaudit uses. */
export {};
