#!/usr/bin/env bash
# bench-large-range.sh: `run -H 'h[1-N]' --yes` (default N = 100000) where every host resolves,
# through an ssh_config, to a closed port on 127.0.0.1 (nothing leaves the machine). Prints the
# time to journal the batch, and the time from SIGTERM to exit when SIGTERM comes at several
# moments. A benchmark, not a test: the semantics (exit code, journal consistent, nothing
# launched) are checked by LargeFleetTests.
#
# Usage: scripts/bench-large-range.sh [N]
#
# Environment:
#   MOMENTS="0.3 1 opened 1+opened hold-resolving hold-journaling journaled 2+journaled"   when SIGTERM is sent, one run each:
#                 seconds after the start; "opened": as soon as the journal file exists (the range
#                 is expanded and resolved, the batch is being journaled); "journaled": as soon as
#                 stderr says "N host(s)." (the hosts are being connected to: every one resolves to
#                 a closed port, so each worker retries its connection within the reconnect
#                 budget); "S+opened", "S+journaled": S seconds after that; "hold-resolving",
#                 "hold-journaling": the CLI waits at that stage (inside the journal's transaction
#                 for the second) through its $SESSIONKEEPER_FAULT hold point and says so, and
#                 SIGTERM follows that line. Files are polled every 10 ms.
#   SK_DLL=PATH   a sessionkeeper.dll to use instead of building src/SessionKeeper.Cli -c Release
#
# Per run it prints: the moment, the stage the CLI had reached by then (from its stderr), the
# time from SIGTERM to exit, the exit code, and the journal's jobs by phase afterwards (sqlite3).
# All in a temp dir removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
MOMENTS=${MOMENTS:-0.3 1 opened 1+opened hold-resolving hold-journaling journaled 2+journaled}

for tool in dotnet ssh-keygen sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench-large-range.sh: $tool is needed." >&2; exit 1; }
done

if [ -z "${SK_DLL:-}" ]; then
    dotnet build "$ROOT/src/SessionKeeper.Cli" -c Release -nologo -clp:ErrorsOnly >/dev/null
    SK_DLL=$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll
fi

WORK=$(mktemp -d /tmp/sk-bench-range.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$WORK/key"
: >"$WORK/known_hosts"
# A port that was free a moment ago: connections to it are refused.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'Host h*\n  HostName 127.0.0.1\n  Port %s\n  User nobody\n' "$PORT" >"$WORK/config"

now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

echo "N = $N hosts; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %-29s %-10s %-6s %s\n' "SIGTERM at" "stage reached" "to exit" "exit" "journal afterwards"
for moment in $MOMENTS; do
    state=$WORK/state-$RANDOM
    mkdir -m 700 "$state"
    err=$WORK/stderr
    start=$(now)
    fault=
    case $moment in hold-*) fault=$moment ;; esac
    SESSIONKEEPER_FAULT=$fault SESSIONKEEPER_STATE_DIR=$state dotnet "$SK_DLL" run -F "$WORK/config" -i "$WORK/key" \
        --known-hosts "$WORK/known_hosts" --connect-timeout 5s --shell /bin/sh --yes \
        -H "h[1-$N]" -- true >/dev/null 2>"$err" &
    pid=$!
    case $moment in
        hold-*)
            until grep -q "fault point $moment reached" "$err" 2>/dev/null; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.01
            done
            echo "start of the CLI to $moment: $(elapsed "$start" "$(now)") s"
            ;;
        *opened)
            until [ -e "$state/journal.db" ]; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.01
            done
            echo "start of the CLI to the journal opened: $(elapsed "$start" "$(now)") s"
            [ "$moment" = opened ] || sleep "${moment%+opened}"
            ;;
        *journaled)
            until grep -q "$N host(s)\." "$err" 2>/dev/null; do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.01
            done
            echo "start of the CLI to $N hosts journaled: $(elapsed "$start" "$(now)") s"
            [ "$moment" = journaled ] || sleep "${moment%+journaled}"
            ;;
        *) sleep "$moment" ;;
    esac
    if grep -q "fault point hold-" "$err" 2>/dev/null; then stage="${moment#hold-} (held)"
    elif grep -q "host(s)\." "$err" 2>/dev/null; then stage="connecting"
    elif [ -e "$state/journal.db" ]; then stage="journaling"
    else stage="starting/expanding/resolving"; fi
    sent=$(now)
    kill -TERM "$pid" 2>/dev/null || stage="already exited"
    code=0
    wait "$pid" || code=$?
    took=$(elapsed "$sent" "$(now)")
    # As the CLI reads them: a job still planned in a stopped batch is not launched (schema 5).
    phases=$( { sqlite3 "$state/journal.db" "SELECT p || ' ' || count(*) FROM (SELECT CASE WHEN phase = 'planned' AND created_at <= stopped_at
            THEN 'not-launched' ELSE phase END AS p FROM jobs LEFT JOIN batch_stops ON batch = batch_id) GROUP BY p" 2>/dev/null \
        || sqlite3 "$state/journal.db" "SELECT phase || ' ' || count(*) FROM jobs GROUP BY phase" 2>/dev/null; } | paste -sd, - || true)
    printf '%-14s %-29s %-10s %-6s %s\n' "$moment" "$stage" "${took} s" "$code" "${phases:-no jobs}"
done
