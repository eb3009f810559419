#!/usr/bin/env bash
# test-loaded.sh: the whole suite, several times in a row, with a CPU hog beside it.
#
# Usage: scripts/test-loaded.sh [RUNS]   (default 3)
#
# Proves the suite does not depend on a quiet machine: `stress-ng --cpu N` (N = the number of
# cores) keeps every core busy while scripts/test.sh runs RUNS times. Prints each run's wall time
# and result, and exits non-zero if any run failed. Installs stress-ng when it is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
runs=${1:-3}

if ! command -v stress-ng >/dev/null 2>&1; then
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q stress-ng </dev/null
fi

stress-ng --cpu "$(nproc)" --quiet </dev/null >/dev/null 2>&1 &
hog=$!
trap 'kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null || true' EXIT

failed=0
results=()
for i in $(seq 1 "$runs"); do
    start=$(date +%s)
    if scripts/test.sh </dev/null; then outcome=passed; else outcome=FAILED; failed=1; fi
    results+=("run $i: $outcome in $(($(date +%s) - start)) s")
    echo "==> ${results[-1]} (CPU hog: stress-ng --cpu $(nproc))"
done
printf '%s\n' "==> loaded runs:" "${results[@]}"
exit "$failed"
