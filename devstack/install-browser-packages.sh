#!/usr/bin/env bash
# Installs the Debian packages the UI's browser test needs, only when something is missing:
# Debian's Chromium (driven headless by Playwright, which never downloads a browser of its own)
# and the Noto CJK fonts, so Korean text renders as Hangul rather than as empty boxes.
# Idempotent and quick when all is there.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" \
  || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "[opslens] installing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
