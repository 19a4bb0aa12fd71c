#!/usr/bin/env bash
# The main job: set everything up, create a store with the ontology, ingest the
# sample articles, show the officers they report, and serve the app on
# http://127.0.0.1:5000/sparql until Ctrl-C. The store is ./pmkg-data unless
# PMKG_STORE says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
store=${PMKG_STORE:-pmkg-data}
.venv/bin/pmkg init --store "$store"
.venv/bin/pmkg ingest --store "$store" samples/
.venv/bin/pmkg query --store "$store" --format table queries/officers.rq
echo
echo "The store is in $store. Try: .venv/bin/pmkg --help"
exec .venv/bin/pmkg serve --store "$store"
