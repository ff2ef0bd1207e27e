# syntax=docker/dockerfile:1
# Development image, used by docker-compose.yml with the source bind-mounted over /app and
# node_modules in a named volume: `npm run dev` (hot reload, inspector on 0.0.0.0:9229/9230).
FROM node:24-bookworm-slim
ENV TZ=UTC \
    LANG=C.UTF-8 \
    LC_ALL=C.UTF-8 \
    NODE_ENV=development \
    DEV_INSPECT_HOST=0.0.0.0
WORKDIR /app
# procps: scripts/dev.js (concurrently) finds the processes under it with `ps` to pass a stop
# signal to each; and `ps`/`top` in a development container are expected.
RUN apt-get update \
 && apt-get install -y --no-install-recommends procps \
 && rm -rf /var/lib/apt/lists/* \
 && chown node:node /app
USER node
# Dependencies in their own layer: rebuilt only when the lockfile changes.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && sha256sum package-lock.json > node_modules/.package-lock.sha256 \
 && npm cache clean --force
COPY --chown=node:node . .
RUN npm run prisma:generate
# The entrypoint starts as root only to take the uid and gid that own the bind-mounted checkout
# (root, 1000, 501, …), then drops to them: files it writes there stay the owner's, on any host.
# hadolint ignore=DL3002
USER root
EXPOSE 3000 9229 9230
ENTRYPOINT ["docker/dev-entrypoint.sh"]
# `npm run dev` without npm in between, so SIGTERM reaches it (see docker-compose.yml).
CMD ["node", "scripts/dev.js", "--inspect-host", "0.0.0.0"]
