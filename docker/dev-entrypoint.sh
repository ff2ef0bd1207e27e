#!/bin/sh
# Entrypoint of the development image. The source is bind-mounted from the host and node_modules
# lives in a named volume, so both can be older than the image: bring them up to date, then run
# the command (`npm run dev …`, `npm test`, `npm run repl`, …).
set -eu
cd /app

# The volume keeps the node_modules of the first run; reinstall when package-lock.json changed.
stamp=node_modules/.package-lock.sha256
wanted=$(sha256sum package-lock.json)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  echo "[entrypoint] package-lock.json changed: installing dependencies"
  # `npm install`, not `npm ci`: ci deletes node_modules, which is a mount point here.
  npm install --ignore-scripts --no-audit --no-fund
  echo "$wanted" > "$stamp"
fi

# src/generated/ is not in git: generate the Prisma client when missing or older than the schema.
if [ ! -f src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt src/generated/prisma/client.ts ]; then
  npm run prisma:generate
fi

exec "$@"
