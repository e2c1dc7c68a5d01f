#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine with Python 3.11:
# the Debian packages for the PDF (TeX) and for the browser test (Chromium, Node.js),
# a virtual environment with the exact package versions from requirements.lock, and the
# browser test's npm packages at the versions in tests/browser/package-lock.json.
# Safe to re-run: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
                 tex-gyre poppler-utils chromium)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Node.js may come from elsewhere than Debian (its npm then comes with it), so the commands
# are what counts here, not the Debian package names.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
stamp=.venv/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: creating .venv with $($PYTHON --version) and the pinned packages"
  [ -x .venv/bin/python ] || $PYTHON -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  .venv/bin/pip check
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The browser test's tools: playwright-core drives the Debian chromium above (it never
# downloads a browser), axe-core checks each page. Installed from the committed lock.
stamp=tests/browser/node_modules/.installed-$(sha256sum tests/browser/package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the browser test's npm packages (tests/browser/package-lock.json)"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
