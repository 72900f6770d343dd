/** kaudit server package: the `kaudit` CLI, callable in process. */
export { main, USAGE } from './cli-main.js';
export { type CommandIO, processIO } from './commands/io.js';
export { serveCommand, type ServeCommandOptions } from './commands/serve-command.js';
export {
  loadServerSettings,
  parseConfigText,
  insecureBindProblem,
  authenticationConfigured,
  isLoopback,
  SERVER_CONFIG_SECTIONS,
  SERVER_DEFAULTS,
  LOG_LEVELS,
  type LogLevel,
  type ServerSettings,
  type ServeFlags,
  type LoadServerSettingsOptions,
} from './serve/server-config.js';
export { runServer, type RunServerDeps, type ServerHandle } from './serve/run-server.js';
export {
  createRulesReloader,
  loadRules,
  enabledRuleCount,
  type RuleSource,
  type RulesReloader,
  type RulesReloaderOptions,
} from './serve/rules-reloader.js';
export { createLogger, LOG_REDACT_PATHS, type LoggerOptions } from './serve/logger.js';
export { createApp, type AppOptions, type AuditAnswer, type KauditApp } from './app/create-app.js';
export {
  createAuth,
  authConfigured,
  subjectMatches,
  type AuthRequest,
  type AuthResult,
  type Authenticator,
  type Credentials,
  type Principal,
} from './app/auth.js';
export { createMetrics, type Metrics, type MetricsOptions } from './app/metrics.js';
export { type RedeliveryOptions } from './app/redelivery.js';
