#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine with Python 3.11:
# the Debian packages for the PDF (TeX), and a virtual environment with the exact
# package versions from requirements.lock. Safe to re-run: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
                 latexmk tex-gyre poppler-utils)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
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
