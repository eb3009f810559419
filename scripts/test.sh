#!/usr/bin/env bash
# test.sh: the whole test suite, on a fresh machine.
#
# Usage: scripts/test.sh [extra dotnet test arguments]
#
# Installs what the tests need when it is missing (as root, or through sudo): OpenSSH server and
# client (the integration tests start their own sshd processes on loopback ports with throwaway
# keys), the shells the runner and the quoting tests run under (dash, bash, BusyBox ash, fish,
# tcsh), and Dropbear. Then builds with warnings as errors, checks formatting, and runs the unit
# tests and the integration tests. No test needs a terminal, the network beyond loopback, or
# anything started by hand.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

need=()
for pair in sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client ssh-agent:openssh-client \
    dash:dash busybox:busybox fish:fish tcsh:tcsh dropbear:dropbear-bin; do
    cmd=${pair%%:*} pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        need+=("$pkg")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "==> installing: ${need[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" </dev/null
fi

echo "==> build (warnings are errors)"
dotnet build SessionKeeper.sln -c Release -nologo -clp:ErrorsOnly </dev/null

echo "==> format check"
dotnet format SessionKeeper.sln --verify-no-changes --no-restore </dev/null

echo "==> unit tests"
dotnet test tests/SessionKeeper.Tests -c Release --no-build -nologo "$@" </dev/null

echo "==> integration tests (real sshd on loopback)"
dotnet test integration/SessionKeeper.IntegrationTests -c Release --no-build -nologo "$@" </dev/null
