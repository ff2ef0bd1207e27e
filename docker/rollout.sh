#!/usr/bin/env bash
# Replaces the containers of one compose service one at a time, each new one first (what Swarm's
# `update_config: order: start-first` does, for a single host with `docker compose`):
#
#   docker/rollout.sh [docker compose options…] SERVICE
#   docker/rollout.sh --env-file .env.production -f docker-compose.prod.yml app
#
# For each container running now: start one more from the service's current image and
# configuration (`up --scale N+1 --no-recreate`), wait until it is healthy, then stop the old one
# within its stop_grace_period (the web drains: the proxy retries what the closing replica
# refuses on another) and remove it. Build or pull the new image and run `migrate` first (see the
# README). Stops at the first replica that does not become healthy, leaving the old ones serving.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 [docker compose options…] SERVICE" >&2; exit 2; }
service=${!#}
compose=(docker compose "${@:1:$#-1}")
healthy_within=${ROLLOUT_HEALTHY_WITHIN:-180}

ids() { "${compose[@]}" ps --quiet "$service" | sort; }
name() { docker inspect --format '{{.Name}}' "$1" | tr -d /; }
# "healthy", "starting", "unhealthy"; the container's state when it has no health check.
health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"; }

old=$(ids)
[ -n "$old" ] || { echo "rollout: no running container of $service" >&2; exit 1; }
count=$(wc -l <<<"$old")
for container in $old; do
  before=$(ids)
  if ! output=$("${compose[@]}" up --detach --no-deps --no-recreate --scale "$service=$((count + 1))" "$service" 2>&1); then
    echo "$output" >&2
    exit 1
  fi
  new=$(comm -13 <(echo "$before") <(ids))
  [ "$(wc -w <<<"$new")" = 1 ] || { echo "rollout: expected one new container, got: ${new:-none}" >&2; exit 1; }
  started=$SECONDS
  while state=$(health "$new") && [ "$state" != healthy ] && [ "$state" != running ]; do
    if [ "$state" != starting ] || [ $((SECONDS - started)) -ge "$healthy_within" ]; then
      echo "rollout: $(name "$new") is $state after $((SECONDS - started)) s; removing it, the old containers keep serving" >&2
      docker rm --force "$new" >/dev/null
      exit 1
    fi
    sleep 1
  done
  ready=$((SECONDS - started))
  started=$SECONDS
  # No -t: the container's own stop timeout (the service's stop_grace_period).
  docker stop "$container" >/dev/null
  echo "rollout: $(name "$new") $state after $ready s; $(name "$container") stopped in $((SECONDS - started)) s, exit $(docker inspect --format '{{.State.ExitCode}}' "$container")"
  docker rm "$container" >/dev/null
done
