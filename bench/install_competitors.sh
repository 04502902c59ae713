#!/usr/bin/env bash
# The other MCP servers the compare benchmarks measure, each in its own venv under bench/.venvs/
# (gitignored), at pinned versions from PyPI. Idempotent: a venv that already holds its pinned
# version is left alone, so the compare scripts can call this every time.
#
#   bash bench/install_competitors.sh                   # both
#   bash bench/install_competitors.sh prometheus-mcp    # one of them
#
# PYTHON picks the interpreter the venvs are made from (default: python3, 3.10 or newer).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"

declare -A PINNED=(
  [prometheus-mcp]="prometheus-mcp-server==1.6.2"
  [opensearch-mcp]="opensearch-mcp-server-py==0.12.0"
)

install() {
  local name="$1" requirement="${PINNED[$1]}"
  local venv="$here/.venvs/$name"
  local stamp="$venv/.installed-${requirement//=/-}"
  if [[ -f "$stamp" && -x "$venv/bin/python" ]]; then
    echo "$name: $requirement already installed"
    return
  fi
  echo "$name: installing $requirement into bench/.venvs/$name"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"
  touch "$stamp"
}

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  names=(prometheus-mcp opensearch-mcp)
fi
for name in "${names[@]}"; do
  if [[ -z "${PINNED[$name]+set}" ]]; then
    echo "unknown competitor '$name' (known: ${!PINNED[*]})" >&2
    exit 2
  fi
  install "$name"
done
