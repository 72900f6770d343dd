import { LogLevel, type Logger } from '@slack/web-api';

/**
 * A logger that drops the Slack clients' own messages: the delivery layer reports every outcome once,
 * and the clients' logs would repeat them (with request URLs) outside kaudit's redaction.
 */
export function quietLogger(): Logger {
  let level = LogLevel.ERROR;
  const drop = (): void => {};
  return {
    debug: drop,
    info: drop,
    warn: drop,
    error: drop,
    setLevel: (next) => void (level = next),
    getLevel: () => level,
    setName: drop,
  };
}
