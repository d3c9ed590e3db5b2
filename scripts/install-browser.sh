#!/usr/bin/env bash
# Install Debian's headless Chromium + driver for the browser tests, when possible.
# Never fails the build: without a browser the browser tests skip and say why.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: not root or no apt-get; browser tests will be skipped (install chromium chromium-driver)"
  exit 0
fi
echo "install-browser: installing Debian chromium and chromium-driver (once)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }; then
  echo "install-browser: apt-get failed; browser tests will be skipped"
fi
exit 0
