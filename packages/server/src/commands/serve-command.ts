import type { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import { RulesError } from '@kaudit/core';
import { createLogger } from '../serve/logger.js';
import { runServer, type ServerHandle } from '../serve/run-server.js';
import {
  authenticationConfigured,
  insecureBindProblem,
  isLoopback,
  loadServerSettings,
} from '../serve/server-config.js';
import { type CommandIO, write } from './io.js';
import { printRuleProblems } from './rules-command.js';
import { SERVE_USAGE } from './serve-usage.js';

/** Options of {@link serveCommand} beyond the CLI's own IO (tests use them). */
export interface ServeCommandOptions {
  /** Signal source. Default `process`. */
  signals?: Pick<EventEmitter, 'on' | 'off'>;
  /** Called once the server listens (tests read the URL from it). */
  onListening?: (server: ServerHandle) => void;
}

/**
 * `kaudit serve [--host H] [--port P] [--rules PATH]... [--config FILE] [--profile NAME] [--insecure-no-auth]`:
 * the audit-webhook receiver. Settings come from the config file, then the environment (`HOST`, `PORT`,
 * `KAUDIT_RULES`, `KAUDIT_CONFIG`, `KAUDIT_PROFILE`, `KAUDIT_AUTH_TOKEN`, ...), then the flags. Logs (JSON)
 * go to stderr; the console sink writes alerts to stdout. Runs until SIGTERM or SIGINT, then shuts down
 * gracefully and returns 0. Exit 1 for a bad config or bad rules, 2 for a usage error or a refused
 * non-loopback address without authentication.
 */
export async function serveCommand(args: string[], io: CommandIO, options: ServeCommandOptions = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      rules: { type: 'string', multiple: true, short: 'r' },
      config: { type: 'string', short: 'c' },
      profile: { type: 'string' },
      'insecure-no-auth': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await write(io.stdout, `Usage:\n${SERVE_USAGE}`);
    return 0;
  }
  if (positionals.length > 0) {
    await write(io.stderr, `kaudit serve: unexpected argument "${positionals[0]}"\n`);
    return 2;
  }
  const settings = await loadServerSettings({
    flags: {
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(values.port !== undefined ? { port: values.port } : {}),
      ...(values.rules !== undefined ? { rules: values.rules } : {}),
      ...(values.config !== undefined ? { config: values.config } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      insecureNoAuth: values['insecure-no-auth'],
    },
    env: io.env,
    cwd: io.cwd,
  });
  const refusal = insecureBindProblem(settings);
  if (refusal !== undefined) {
    await write(io.stderr, `kaudit serve: ${refusal}\n`);
    return 2;
  }
  const logger = createLogger({ level: settings.log.level, stream: io.stderr });
  if (settings.insecureNoAuth && !isLoopback(settings.host) && !authenticationConfigured(settings))
    logger.warn({ host: settings.host }, 'insecure-no-auth: POST /audit accepts anyone who can connect');
  let server: ServerHandle;
  try {
    server = await runServer(settings, {
      env: io.env,
      logger,
      stdout: io.stdout,
      stderr: io.stderr,
      ...(options.signals ? { signals: options.signals } : {}),
    });
  } catch (err) {
    if (err instanceof RulesError) {
      await printRuleProblems(io, err);
      return 1;
    }
    throw err;
  }
  options.onListening?.(server);
  try {
    await server.closed;
    await server.close();
  } catch {
    return 1;
  }
  return 0;
}
