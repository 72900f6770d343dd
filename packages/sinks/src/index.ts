/** kaudit sinks: where alerts go. */
export { consoleSink, type ConsoleSinkOptions } from './console-sink.js';
export { formatAlertPretty, type PrettyOptions } from './format-alert-pretty.js';
export { terminalSafe } from './terminal-text.js';
