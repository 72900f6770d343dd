/** The `kaudit serve` part of `kaudit --help`. */
export const SERVE_USAGE = `  kaudit serve [--host H] [--port P] [--rules PATH]... [--config FILE] [--profile NAME] [--insecure-no-auth]
      Receive the API server's audit webhook (POST /audit) and alert; GET /livez, /readyz, /metrics.
      --host, --port       where to listen (default $HOST, else 127.0.0.1; $PORT, else 8080; 0 = any free port)
      --rules PATH         rule files or folders; repeatable (default $KAUDIT_RULES, else the config's, else ./rules,
                           else the default library); reloaded when they change and on SIGHUP
      --config FILE        YAML or JSON: server (auth, tls, limits, timeouts), rules, pipeline, log, sinks, routes,
                           delivery (default $KAUDIT_CONFIG); \${VAR} takes a value from the environment
      --profile NAME       environment profile of the rules (default $KAUDIT_PROFILE)
      --insecure-no-auth   allow a non-loopback address without authentication
      Environment: KAUDIT_AUTH_TOKEN (comma-separated), KAUDIT_AUTH_TOKEN_FILE, KAUDIT_TLS_CERT, KAUDIT_TLS_KEY,
      KAUDIT_TLS_CLIENT_CA, LOG_LEVEL; SLACK_TOKEN + CHANNEL_ID (or SLACK_CHANNEL), SLACK_WEBHOOK_URL, SLACK_API_URL
      when the config names no sinks (else the console). The environment overrides the file, flags the environment.
`;
