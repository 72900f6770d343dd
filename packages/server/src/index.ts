/** kaudit server package: the `kaudit` CLI, callable in process. */
export { main, USAGE } from './cli-main.js';
export { type CommandIO, processIO } from './commands/io.js';
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
