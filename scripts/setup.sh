#!/usr/bin/env bash
# Installs what codec-evolve needs on a Debian or Ubuntu machine, then builds it.
#   bash scripts/setup.sh          ffmpeg (x265, x264, AV1), numpy, bubblewrap, npm packages, build
#   bash scripts/setup.sh --test   the same plus what the test suite uses (opencv for the
#                                  hostile-codec corpus)
# System packages are installed only when missing, with apt-get (as root or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v bwrap >/dev/null || missing+=(bubblewrap)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null || missing+=(python3 python3-numpy)
# Chart and --visual labels are drawn by librsvg (sharp) with the DejaVu fonts.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if $want_tests; then
  /usr/bin/python3 -c "import cv2" 2>/dev/null || missing+=(python3-opencv)
  # The dashboard test drives Debian's Chromium with playwright-core (no browser download).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "setup: please install as root: apt-get install ${missing[*]}" >&2
      exit 1
    }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
echo "setup: ready ($(ffmpeg -version | head -1 | cut -d' ' -f1-3), $(/usr/bin/python3 -c 'import numpy; print("numpy", numpy.__version__)'), $(bwrap --version))"
