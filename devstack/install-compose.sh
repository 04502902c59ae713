#!/usr/bin/env bash
# Installs the Docker Compose CLI plugin (``docker compose``), which validates compose.yaml.
#
# Builds Compose from the Go module proxy into the opslens cache (``$OPSLENS_CACHE_DIR/bin``,
# default ``~/.cache/opslens/bin``) and links it as a Docker CLI plugin
# (``~/.docker/cli-plugins/docker-compose``). Idempotent: a binary of the pinned version is
# reused, and nothing is built when ``docker compose`` already works. Needs Go (and installs
# Debian's docker.io when the docker CLI is missing); no Docker engine is needed to validate a
# file. The first build takes 5 to 40 minutes on two cores.
#
# Usage: bash devstack/install-compose.sh   (OPSLENS_COMPOSE_VERSION=v2.40.3 to pin another)
set -euo pipefail

version="${OPSLENS_COMPOSE_VERSION:-v2.40.3}"
module="github.com/docker/compose/v2"
cache_dir="${OPSLENS_CACHE_DIR:-$HOME/.cache/opslens}"
binary="$cache_dir/bin/docker-compose"
stamp="$binary.stamp"
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

log() { echo "[opslens] $*" >&2; }

if ! command -v docker >/dev/null 2>&1; then
  # 'docker compose' is a plugin of the docker CLI; Debian ships the CLI in docker.io.
  log "installing Debian's docker.io for the docker CLI"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io >/dev/null
  command -v docker >/dev/null 2>&1 || { log "no docker CLI after installing docker.io"; exit 1; }
fi

if [ ! -x "$binary" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$module $version" ]; then
  if docker compose version >/dev/null 2>&1 && [ ! -L "$plugin_dir/docker-compose" ]; then
    exit 0  # a Compose plugin installed by other means (Docker's packages): use it
  fi
  command -v go >/dev/null 2>&1 || { log "Go is needed to build Docker Compose"; exit 1; }
  log "building Docker Compose $version from the Go module proxy (first build: up to 40 minutes)"
  mkdir -p "$cache_dir/bin"
  # "go install pkg@version" refuses this module (its go.mod has exclude directives), so
  # build inside the downloaded module, as its own Makefile does.
  (cd "$cache_dir" && go mod download "$module@$version")  # outside any Go module
  source_dir="$(go env GOMODCACHE)/$module@$version"
  (cd "$source_dir" && CGO_ENABLED=0 go build -trimpath -o "$binary.tmp" \
    -ldflags "-s -w -X $module/internal.Version=$version" ./cmd) \
    >"$cache_dir/bin/docker-compose.build.log" 2>&1 \
    || { log "build failed; see $cache_dir/bin/docker-compose.build.log"; exit 1; }
  mv "$binary.tmp" "$binary"
  echo "$module $version" >"$stamp"
fi

mkdir -p "$plugin_dir"
ln -sfn "$binary" "$plugin_dir/docker-compose"
docker compose version >/dev/null
