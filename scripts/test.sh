#!/usr/bin/env bash
# test.sh: the whole test suite, on a fresh machine.
#
# Usage: scripts/test.sh [extra dotnet test arguments]
#
# Installs what the tests need when it is missing (as root, or through sudo): OpenSSH server and
# client (the integration tests start their own sshd processes on loopback ports with throwaway
# keys), the shells the runner and the quoting tests run under (dash, bash, BusyBox ash, fish,
# tcsh; zsh as the interactive shell of the adopt tests), Dropbear, and tools some tests drive
# (perl, script, setpriv, tar; Debian has them already; strace, which counts what the wrapper and
# the target do), chromium (the web view's tests drive it headless over the DevTools protocol),
# clang with zlib1g-dev (NativeBinaryTests publishes the Native AOT binary once), and PostgreSQL
# (the journal's tests run on a throwaway cluster too). Then builds with warnings as errors,
# checks formatting, and runs the unit tests and the integration tests at once. No test needs a terminal, the network beyond loopback, or
# anything started by hand.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

need=()
for pair in sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client ssh-agent:openssh-client \
    dash:dash busybox:busybox fish:fish tcsh:tcsh zsh:zsh dropbear:dropbear-bin \
    perl:perl-base script:bsdutils setpriv:util-linux tar:tar chromium:chromium clang:clang strace:strace; do
    cmd=${pair%%:*} pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        need+=("$pkg")
    fi
done
# Native AOT (NativeBinaryTests publishes the binary once) links with clang against zlib.
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# The shared journal's tests start a throwaway PostgreSQL cluster (initdb + pg_ctl, any version
# under /usr/lib/postgresql/*/bin; as root it runs as nobody, through setpriv).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
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

# Runs one suite; prints how many tests were skipped and why. With CI=true a skip is a failure
# (the tests themselves also fail instead of skipping when CI=true, see README "Testing").
results=$(mktemp -d)
# The published CLI: in a directory of its own that every user can read, since some tests run the
# CLI as another user (a read-only state directory, a socket of another uid).
cli=$(mktemp -d)
chmod 755 "$cli"
trap 'rm -rf "$results" "$cli"' EXIT

# The integration tests start the CLI as a process about a thousand times, and each start JITs
# it: published once with ReadyToRun (the same IL compiled ahead, fault injection kept in), a
# start costs about half the CPU. The publish runs beside the unit tests, which mostly wait on
# the shells they start. $SESSIONKEEPER_CLI_DLL, when set, is used as given.
publish=
if [ -z "${SESSIONKEEPER_CLI_DLL:-}" ]; then
    echo "==> ReadyToRun CLI for the integration tests (published beside the unit tests)"
    case $(uname -m) in aarch64 | arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
    dotnet publish src/SessionKeeper.Cli -c Release -r "$rid" --self-contained false -nologo -clp:ErrorsOnly \
        -p:PublishReadyToRun=true -p:FaultInjection=true \
        --artifacts-path "$results/cli-build" -o "$cli" </dev/null >"$results/publish.log" 2>&1 &
    publish=$!
fi
failed=0
# Runs one suite and returns non-zero when it failed (or, with CI=true, skipped a test).
suite() {
    local name=$1 project=$2 rc=0
    shift 2
    echo "==> $name"
    dotnet test "$project" -c Release --no-build -nologo "$@" </dev/null | tee "$results/$name.log" || rc=$?
    local skipped
    # The summary line: "Passed!  - Failed: 0, Passed: 896, Skipped: 0, Total: 896, ...".
    skipped=$(sed -n 's/.*Skipped: *\([0-9][0-9]*\),.*/\1/p' "$results/$name.log" | tail -n 1)
    skipped=${skipped:-0}
    echo "==> $name: $skipped skipped"
    if [ "$skipped" -gt 0 ]; then
        # xUnit prints "[xUnit.net ...] Name [SKIP]" and, on the next line, the reason.
        grep -A1 '\[SKIP\]' "$results/$name.log" | grep -v '^--$' | sed -e 's/^\[xUnit.net [0-9:.]*\] *//' -e 's/^/    /'
        if [ "${CI:-}" = true ]; then
            echo "==> $name: skipped tests are failures in CI (CI=true)" >&2
            rc=1
        fi
    fi
    return "$rc"
}

[ -z "${SESSIONKEEPER_TEST_SEED:-}" ] || echo "==> randomized tests mix in SESSIONKEEPER_TEST_SEED=$SESSIONKEEPER_TEST_SEED"
# The two suites run at once: each mostly waits (on its shells, its targets' heartbeats and
# deadlines), not on a CPU. On 2 cores the unit tests alone kept 0.7 of a core busy and the
# integration tests about one. The unit tests' output follows the integration tests'.
echo "==> unit tests (beside the integration tests; their output follows)"
suite "unit tests" tests/SessionKeeper.Tests "$@" >"$results/unit.out" 2>&1 &
unit=$!
if [ -n "$publish" ]; then
    if wait "$publish"; then
        export SESSIONKEEPER_CLI_DLL=$cli/sessionkeeper.dll
    else
        # Only the speed depends on it: the integration tests run on the CLI beside their
        # assembly (the same code, JIT-compiled), and the failure is shown.
        cat "$results/publish.log" >&2
        echo "==> the ReadyToRun publish of the CLI failed: the integration tests use the JIT build" >&2
    fi
fi
suite "integration tests (real sshd on loopback)" integration/SessionKeeper.IntegrationTests "$@" || failed=1
wait "$unit" || failed=1
cat "$results/unit.out"
exit "$failed"
