# kaudit: the audit-webhook receiver (`kaudit serve`) as a small, non-root image.
#
#   docker build -t kaudit .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp \
#     -e KAUDIT_AUTH_TOKEN_FILE=/run/kaudit/auth/tokens -v "$PWD/auth:/run/kaudit/auth:ro" kaudit
#
# The image listens on 0.0.0.0:8080 (HOST below): off loopback, kaudit refuses to start without
# authentication (a token, basic auth or client certificates), unless --insecure-no-auth is given.
# See docs/server.md for every option, and examples/kubernetes for manifests.

# ---- build: compile the workspace, then carve out the server with production dependencies only ----
FROM node:20-bookworm-slim AS build

# pnpm from npm: corepack's shim downloads pnpm on first use and verifies its signature, which fails
# offline and behind some proxies; npm is already in the image. Major 10 matches pnpm-lock.yaml.
RUN npm install --global pnpm@10 && pnpm --version

WORKDIR /src

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/core/package.json packages/core/
COPY packages/sinks/package.json packages/sinks/
COPY packages/server/package.json packages/server/
# examples/ is a workspace member: without its manifest the frozen lockfile does not match.
COPY examples/package.json examples/
# --ignore-scripts: the root `prepare` script compiles sources that are not copied yet (`pnpm build`
# does it below), and no dependency needs an install script (onlyBuiltDependencies is empty).
RUN pnpm install --frozen-lockfile --ignore-scripts

COPY packages/core/ packages/core/
COPY packages/sinks/ packages/sinks/
COPY packages/server/ packages/server/
RUN pnpm build

# pnpm 10 deploys only workspaces with inject-workspace-packages=true unless --legacy is given; legacy
# deploy copies @kaudit/core and @kaudit/sinks (their `files`: dist) into /out/node_modules and installs
# production dependencies only: no TypeScript, vitest or eslint in the runtime image.
RUN pnpm --filter @kaudit/server deploy --prod --legacy --ignore-scripts /out \
  && test -f /out/dist/cli.js

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime

# PID 1: tini forwards SIGTERM (graceful shutdown: answer 503, finish requests in flight, drain
# deliveries) and SIGHUP (rules reload) to node and reaps zombies. Node as PID 1 would get no default
# signal actions from the kernel, so a plain `docker stop` would wait for SIGKILL whenever a handler is
# not installed yet (during start-up). npm, corepack and yarn are removed: nothing runs them at run time.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
  && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg

ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8080 \
  KAUDIT_RULES=/app/rules

WORKDIR /app
# Owned by root and not writable by the service user: the root file system can be mounted read-only.
COPY --from=build /out/ /app/
# The default rule library (.dockerignore leaves its tests out). Mount your own over it, or point
# KAUDIT_RULES / --rules elsewhere.
COPY rules/ /app/rules/
# The one place kaudit may write (dead letters, when configured there): mount a volume on it when the
# root file system is read-only.
RUN mkdir -p /var/lib/kaudit && chown 1000:1000 /var/lib/kaudit

# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080

# No HEALTHCHECK: Kubernetes ignores it (it uses the liveness and readiness probes on /livez and
# /readyz), and a fixed http:// check would fail as soon as TLS is turned on.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli.js"]
CMD ["serve"]
