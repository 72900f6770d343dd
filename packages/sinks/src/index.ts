/** kaudit sinks: where alerts go. */
export { consoleSink, type ConsoleSinkOptions } from './console-sink.js';
export { formatAlertPretty, type PrettyOptions } from './format-alert-pretty.js';
export { terminalSafe } from './terminal-text.js';
export { slackSink, type SlackSinkOptions } from './slack/slack-sink.js';
export { slackWebhookSink, type SlackWebhookSinkOptions } from './webhook/slack-webhook-sink.js';
export { fileSink, type FileSinkOptions } from './file/file-sink.js';
export {
  slackErrorClass,
  knownSlackErrorClass,
  httpStatusClass,
  slackFailure,
  retryAfterMs,
  type SlackErrorClass,
  type SlackFailureDetail,
} from './slack/slack-error-class.js';
export { formatSlackMessage, type FormatSlackOptions } from './block-kit/format-slack-message.js';
export { alertMessage } from './block-kit/alert-message.js';
export { rollupMessage } from './block-kit/rollup-message.js';
export { digestMessage } from './block-kit/digest-message.js';
export { escapeSlackText, type EscapeOptions } from './block-kit/escape-slack-text.js';
export { SLACK_LIMITS } from './block-kit/slack-limits.js';
export { blockTextLength, type SlackBlock, type SlackMessage, type SlackText } from './block-kit/slack-message.js';
export { SINK_TYPES, optionSchemas, type SinkType } from './config/sink-types.js';
export { createSinks } from './config/create-sinks.js';
export { configFromEnv } from './config/config-from-env.js';
export { loadConfig, parseConfig, resolveConfig, type LoadConfigOptions } from './config/load-config.js';
export { interpolateEnv } from './config/interpolate-env.js';
export { deliverySetup, type DeliverySetupOptions } from './config/delivery-setup.js';
