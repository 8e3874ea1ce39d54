#!/usr/bin/env bash
# Installs what codec-evolve needs on a Debian or Ubuntu machine, then builds it.
#   bash scripts/setup.sh          ffmpeg (x265, x264, AV1), numpy, bubblewrap, git, npm packages, build
#   bash scripts/setup.sh --test   the same plus every Debian package the test suite uses:
#                                  TEST_PACKAGES below (opencv and torch for the hostile-codec
#                                  corpus, skimage and scipy photographs for the clip tests,
#                                  venv for the virtualenv tests, bzip2 for scripts/make-clips.sh)
# System packages are installed only when missing, with apt-get (as root or through sudo);
# when everything is present the check is one dpkg-query call.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

# Debian package -> why a test needs it (keep in step with the README's install notes).
TEST_PACKAGES=(
  chromium # the dashboard's browser test, driven by playwright-core (no browser download)
  python3-opencv # cv2 codecs and the cv2 attacks in test/attacks
  python3-torch  # torch codecs and the torch attacks in test/attacks
  python3-skimage # /usr/lib/python3/dist-packages/skimage/data/*.png: clip tests, make-clips.sh
  python3-scipy  # scipy/misc/face.dat for make-clips.sh; SciPy for scripts/bd-rate-golden.py
  python3-venv   # the virtualenv sandbox tests (python3 -m venv)
  bzip2          # make-clips.sh unpacks face.dat
)

missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v git >/dev/null || missing+=(git)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null || missing+=(python3 python3-numpy)
# Chart and --visual labels are drawn by librsvg (sharp) with the DejaVu fonts.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if $want_tests; then
  # One dpkg-query for the whole list: importing torch to find out would take seconds.
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${TEST_PACKAGES[@]}" 2>/dev/null || true)
  for package in "${TEST_PACKAGES[@]}"; do
    grep -qx "$package installed" <<<"$installed" || missing+=("$package")
  done
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
