#!/bin/sh
# Entrypoint of the development image. The source is bind-mounted from the host and node_modules
# lives in a named volume, so both can be older than the image: bring them up to date, then run
# the command (`npm run dev …`, `npm test`, `npm run repl`, …).
set -eu
cd /app

# Run as whoever owns the checkout, so what the container writes into it (the Prisma client in
# src/generated, new migrations, formatted files) is theirs on the host, and a checkout owned by
# root, 1000 or anyone else starts without a chown by hand. The image's `node` user takes that
# uid/gid; a root-owned checkout runs as root (podman rootless maps it back to the host user).
if [ "$(id -u)" = 0 ]; then
  uid=$(stat -c %u /app)
  gid=$(stat -c %g /app)
  if [ "$uid" != 0 ]; then
    [ "$(id -g node)" = "$gid" ] || groupmod --non-unique --gid "$gid" node
    [ "$(id -u node)" = "$uid" ] || usermod --non-unique --uid "$uid" --gid "$gid" node
    # The node_modules volume starts as the image's copy (uid 1000): the owner must be able to
    # reinstall into it.
    if [ "$(stat -c %u:%g node_modules)" != "$uid:$gid" ]; then
      chown -R "$uid:$gid" node_modules /home/node
    fi
    # The media volume (uploaded cover images) starts owned by root: the app writes into it.
    if [ -d media ] && [ "$(stat -c %u:%g media)" != "$uid:$gid" ]; then
      chown -R "$uid:$gid" media
    fi
    exec setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME=/home/node "$0" "$@"
  fi
fi

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
