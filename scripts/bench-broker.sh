#!/usr/bin/env bash
# bench-broker.sh: `run -d` through the daemon's connection broker (issue 13 item 2), against a
# throwaway local sshd, with OpenSSH's ControlMaster as the anchor.
#
# Usage: scripts/bench-broker.sh [--rounds N] [--burst N] [--max-per-host N] [--binary PATH] [--user NAME] [--no-build] [--keep] [--count-execs N] [--journaled-fs]
#
# --binary PATH measures that sessionkeeper executable (the Native AOT binary of scripts/release.sh,
# e.g. artifacts/release/stage/sessionkeeper-VERSION-linux-x64/sessionkeeper) instead of the JIT build
# (dotnet sessionkeeper.dll), and builds nothing.
#
# --journaled-fs puts the target's job directories and the local state directory on fresh ext4
# file systems with mkfs.ext4's defaults (loop-mounted for the run, as root; why:
# scripts/lib/journaled-fs.sh: this machine's root ext4 has no journal, which makes every file a
# job creates cost more the more were deleted lately, and the anchor creates none).
#
# Both tools log in as the same target user, whose login shell is /bin/sh with an empty home: no rc
# file runs for either (bash run by sshd reads ~/.bashrc, and a profile that starts pyenv there
# makes every exec channel cost ~150 ms, ControlMaster's too, which hid what this measures). As
# root that user is sk-bench, created for the run (useradd, shell /bin/sh, empty skeleton) and
# removed at the end; --user NAME picks an existing one (it must be able to read $WORK); without
# root, the current user (say so when comparing figures).
#
# All on 127.0.0.1, in a temp dir deleted at the end (--keep keeps it):
#   1. builds the CLI in Release (unless --no-build or --binary) and starts an OpenSSH sshd (key auth only);
#   2. starts `sessionkeeper daemon` on its own state dir (broker.sock there), and one warm-up
#      `run -d` so the daemon holds a connection to the host;
#   3. paired rounds (A B C D, --rounds, default 15), medians of the wall time of:
#        A `sessionkeeper run -d HOST -- true` through the daemon (already connected),
#        B the same with --no-daemon (a new SSH connection each time),
#        C `sessionkeeper jobs --state-dir EMPTY` (runtime start-up, JIT, journal: no network),
#        E `sessionkeeper jobs` on the bench's own journal (the jobs launched so far),
#        F `sessionkeeper status ID` of the warm-up job, once the daemon has settled it (the journal
#          records it finished: answered from the journal, no connection),
#        D `ssh -o ControlPath=... HOST 'nohup true >/dev/null 2>&1 </dev/null &'` on a master
#          started with ControlMaster=auto and ControlPersist=60 (the anchor);
#   4. a burst of --burst (default 1000) `run -d HOST -- true` in a row through the daemon, and
#      the same count of the ControlMaster command, total wall time; meanwhile `ss -tn` polls the
#      sshd port every 50 ms and the most established connections seen is reported (the daemon's
#      limit is --max-per-host, default 4; the master is closed during the daemon's burst, while
#      the daemon's idle connection stays open, and is counted, during the master's); then the
#      daemon's CPU (user + system, /proc) per job of the daemon's burst, counted until the journal
#      has every job finished, and how long after the burst that was;
#   5. one table with the ratios.
# --count-execs N (before 3): the process starts on the target (execve, by strace -f of the sshd
#   listener and every process under it, the daemon's connections included) during N `run -d` in a
#   row through the daemon and until the daemon has settled all N (the journal says finished):
#   the launches and the daemon's supervision of them, per job and by program.
#
# Needs: dotnet, /usr/sbin/sshd, ssh, ssh-keygen, perl, ss. Prints the table; exit 0 unless
# something failed to run.
set -euo pipefail

ROUNDS=15
BURST=1000
MAX_PER_HOST=4
BUILD=1
KEEP=0
BINARY=
TARGET_USER=
COUNT_EXECS=0
JOURNALED_FS=0
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --burst) BURST=$2; shift 2 ;;
        --max-per-host) MAX_PER_HOST=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) BINARY=$(realpath "$2"); BUILD=0; shift 2 ;;
        --user) TARGET_USER=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --count-execs) COUNT_EXECS=$2; shift 2 ;;
        --journaled-fs) JOURNALED_FS=1; shift ;;
        -h | --help) sed -n '2,40p' "$0"; exit 0 ;;
        *) echo "bench-broker: unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sk-bench-broker-XXXXXX)
chmod 755 "$WORK"
DAEMON_PID= POLL_PID= STRACE_PID=
# shellcheck source=lib/loopback-sshd.sh
. "$ROOT/scripts/lib/loopback-sshd.sh"
# shellcheck source=lib/journaled-fs.sh
. "$ROOT/scripts/lib/journaled-fs.sh"

cleanup() {
    [ -n "$POLL_PID" ] && kill "$POLL_PID" 2>/dev/null || true
    [ -n "$STRACE_PID" ] && kill "$STRACE_PID" 2>/dev/null || true
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
    ssh -O exit -o ControlPath="$WORK/cm.sock" x 2>/dev/null || true
    loopback_sshd_stop
    journaled_fs_unmount
    if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The shell's own clock (bash 5): no process is started to read it. A perl -MTime::HiRes per
# timestamp put that process's start, about 8 ms here, into every figure (the anchor's too).
now() { echo "$EPOCHREALTIME"; }
ms() { perl -e 'printf "%.1f\n", ($ARGV[1] - $ARGV[0]) * 1000' "$1" "$2"; }
median() { sort -n | perl -e '@v = <STDIN>; chomp @v; printf "%.1f", @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2'; }

if [ "$BUILD" = 1 ]; then
    echo "== building Release"
    dotnet build -c Release -v q -nologo "$ROOT/src/SessionKeeper.Cli" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
fi
if [ -n "$BINARY" ]; then
    [ -x "$BINARY" ] || { echo "bench-broker: $BINARY is not an executable" >&2; exit 2; }
    CLI=("$BINARY")
    BUILT="native binary $BINARY"
else
    CLI=(dotnet "$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll")
    BUILT="JIT build (dotnet sessionkeeper.dll)"
fi

echo "== starting sshd"
[ "$JOURNALED_FS" = 0 ] || journaled_fs_mount "$WORK/local-state" "$WORK/remote-state"
mkdir -p -m 700 "$WORK/local-state" "$WORK/empty-state"
chmod 700 "$WORK/local-state" # a journaled file system's root, when one is mounted there
PORT=$(loopback_port)
loopback_sshd_start "$PORT" || { cat "$WORK/sshd.log" >&2; exit 1; }
loopback_target_user "${TARGET_USER:-plain}"
HOST="$TARGET_USER@127.0.0.1"
SK=("${CLI[@]}" --state-dir "$WORK/local-state")
CONN=(-p "$PORT" -i "$WORK/user_ed25519" --known-hosts "$WORK/known_hosts")
SSH=(ssh -F /dev/null -i "$WORK/user_ed25519" -p "$PORT" -o "UserKnownHostsFile=$WORK/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -T
    -o ControlMaster=auto -o "ControlPath=$WORK/cm.sock" -o ControlPersist=60)
LAUNCH='nohup true >/dev/null 2>&1 </dev/null &'
echo "sshd on port $PORT; $(nproc) CPUs; $(ssh -V 2>&1); $BUILT"
echo "job directories and local state: $([ "$JOURNALED_FS" = 1 ] && echo "fresh ext4 file systems with a journal (--journaled-fs)" || echo "in $WORK")"
echo "target user $TARGET_USER, login shell $(getent passwd "$TARGET_USER" | cut -d: -f7), home $(getent passwd "$TARGET_USER" | cut -d: -f6): $(ls -A "$(getent passwd "$TARGET_USER" | cut -d: -f6)" 2>/dev/null | tr '\n' ' ')"
echo "load: $(uptime)"

echo "== starting the daemon (at most $MAX_PER_HOST connection(s) per host)"
"${SK[@]}" daemon --broker-max-per-host "$MAX_PER_HOST" --broker-idle 10m 2>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 300); do [ -S "$WORK/local-state/broker.sock" ] && break; sleep 0.1; done
[ -S "$WORK/local-state/broker.sock" ] || { cat "$WORK/daemon.log" >&2; echo "no broker.sock" >&2; exit 1; }
WARM=$("${SK[@]}" run -d "${CONN[@]}" "$HOST" -- true) # the daemon now holds a connection
"${SK[@]}" wait "${CONN[@]}" "$HOST" "$WARM" >/dev/null   # ended; the journal says so once the daemon settles it
# F measures `status` of a job the journal has settled (answered without a connection): `wait`
# records the end but leaves the job to a supervisor, which the daemon is once it has claimed it
# (its first lease round, a few seconds). Until then `status` asks the target.
settled=0
for _ in $(seq 600); do
    if "${SK[@]}" jobs --json | perl -MJSON::PP -e 'exit((grep { $_->{id} eq $ARGV[0] && $_->{phase} eq "finished" } @{decode_json(join "", <STDIN>)}) ? 0 : 1)' "$WARM"; then
        settled=1; break
    fi
    sleep 0.1
done
[ "$settled" = 1 ] || { cat "$WORK/daemon.log" >&2; echo "bench-broker: the daemon did not settle $WARM within 60 s" >&2; exit 1; }
"${SSH[@]}" "$HOST" "$LAUNCH"                             # the master is up

if [ "$COUNT_EXECS" -gt 0 ]; then
    echo "== process starts on the target: $COUNT_EXECS run -d through the daemon, until it settled them"
    tracees=()
    for p in "$SSHD_PID" $(loopback_descendants "$SSHD_PID"); do tracees+=(-p "$p"); done
    strace -f -qq -e trace=execve -o "$WORK/execs" "${tracees[@]}" &
    STRACE_PID=$!
    for _ in $(seq 100); do [ "$(awk '/^TracerPid/ {print $2}' "/proc/$SSHD_PID/status")" != 0 ] && break; sleep 0.1; done
    : >"$WORK/traced-ids"
    for _ in $(seq "$COUNT_EXECS"); do "${SK[@]}" run -d "${CONN[@]}" "$HOST" -- true >>"$WORK/traced-ids"; done
    settled=0
    for _ in $(seq 1200); do
        if "${SK[@]}" jobs --json | perl -MJSON::PP -e '
            my %done = map { $_->{phase} eq "finished" ? ($_->{id} => 1) : () } @{decode_json(join "", <STDIN>)};
            open(my $ids, "<", $ARGV[0]) or exit 1; my @ids = grep { length } map { chomp; $_ } <$ids>;
            exit((grep { !$done{$_} } @ids) ? 1 : 0)' "$WORK/traced-ids"; then
            settled=1; break
        fi
        sleep 0.1
    done
    kill "$STRACE_PID"; wait "$STRACE_PID" 2>/dev/null || true; STRACE_PID=
    [ "$settled" = 1 ] || echo "bench-broker: the daemon did not settle the $COUNT_EXECS jobs within 120 s; counted so far" >&2
    EXECS=$(grep -c 'execve(.* = 0$' "$WORK/execs" || true)
    echo "$EXECS process starts on the target for $COUNT_EXECS run -d and their supervision ($(perl -e 'printf "%.1f", $ARGV[0] / $ARGV[1]' "$EXECS" "$COUNT_EXECS") per job); by program:"
    grep 'execve(.* = 0$' "$WORK/execs" | sed -E 's/^[0-9]+ +execve\("([^"]*)".*/\1/' | sort | uniq -c | sort -rn | sed 's/^/    /'
fi

echo "== $ROUNDS paired rounds"
: >"$WORK/a" ; : >"$WORK/b" ; : >"$WORK/c" ; : >"$WORK/d" ; : >"$WORK/e" ; : >"$WORK/f"
for _ in $(seq "$ROUNDS"); do
    t0=$(now); "${SK[@]}" run -d "${CONN[@]}" "$HOST" -- true >/dev/null
    t1=$(now); "${SK[@]}" run -d --no-daemon "${CONN[@]}" "$HOST" -- true >/dev/null
    t2=$(now); "${CLI[@]}" --state-dir "$WORK/empty-state" jobs >/dev/null
    t3=$(now); "${SSH[@]}" "$HOST" "$LAUNCH"
    t4=$(now); "${SK[@]}" jobs >/dev/null
    t5=$(now); "${SK[@]}" status "$WARM" >/dev/null
    t6=$(now)
    ms "$t0" "$t1" >>"$WORK/a"; ms "$t1" "$t2" >>"$WORK/b"; ms "$t2" "$t3" >>"$WORK/c"; ms "$t3" "$t4" >>"$WORK/d"
    ms "$t4" "$t5" >>"$WORK/e"; ms "$t5" "$t6" >>"$WORK/f"
done
A=$(median <"$WORK/a"); B=$(median <"$WORK/b"); C=$(median <"$WORK/c"); D=$(median <"$WORK/d")
E=$(median <"$WORK/e"); F=$(median <"$WORK/f")

# The most connections established to the sshd port at once, polled every 50 ms.
poll_connections() {
    local max=0 n
    while :; do
        n=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
        [ "$n" -gt "$max" ] && { max=$n; echo "$max" >"$1"; }
        sleep 0.05
    done
}

# The daemon's user + system CPU so far, in clock ticks.
daemon_cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }

echo "== burst of $BURST run -d through the daemon"
"${SSH[@]}" -O exit "$HOST" 2>/dev/null || true # the master's connection is not counted with the daemon's
echo 0 >"$WORK/max-sk"
poll_connections "$WORK/max-sk" &
POLL_PID=$!
cpu0=$(daemon_cpu)
t0=$(now)
for _ in $(seq "$BURST"); do "${SK[@]}" run -d "${CONN[@]}" "$HOST" -- true >/dev/null; done
t1=$(now)
kill "$POLL_PID"; wait "$POLL_PID" 2>/dev/null || true; POLL_PID=
BURST_SK=$(perl -e 'printf "%.1f", $ARGV[1] - $ARGV[0]' "$t0" "$t1")
MAX_SK=$(cat "$WORK/max-sk")
# The daemon's CPU for the burst, its supervision of the jobs included: until the journal has
# every job finished (polled every 100 ms, by a process of its own: not counted), and how long
# after the burst that was.
for _ in $(seq 1200); do
    "${SK[@]}" jobs --json | perl -MJSON::PP -e 'exit((grep { $_->{phase} ne "finished" } @{decode_json(join "", <STDIN>)}) ? 1 : 0)' && break
    sleep 0.1
done
t2=$(now)
SETTLED_AFTER=$(perl -e 'printf "%.1f", $ARGV[1] - $ARGV[0]' "$t1" "$t2")
DAEMON_CPU=$(perl -e 'printf "%.2f", ($ARGV[1] - $ARGV[0]) * 1000 / $ARGV[2] / $ARGV[3]' "$cpu0" "$(daemon_cpu)" "$(getconf CLK_TCK)" "$BURST")

echo "== burst of $BURST through the ControlMaster"
echo 0 >"$WORK/max-cm"
poll_connections "$WORK/max-cm" &
POLL_PID=$!
t0=$(now)
for _ in $(seq "$BURST"); do "${SSH[@]}" "$HOST" "$LAUNCH"; done
t1=$(now)
kill "$POLL_PID"; wait "$POLL_PID" 2>/dev/null || true; POLL_PID=
BURST_CM=$(perl -e 'printf "%.1f", $ARGV[1] - $ARGV[0]' "$t0" "$t1")
MAX_CM=$(cat "$WORK/max-cm")

ratio() { perl -e 'printf "%.1fx", $ARGV[0] / $ARGV[1]' "$1" "$2"; }
echo
echo "$BUILT; target $HOST ($(getent passwd "$TARGET_USER" | cut -d: -f7)); load at the end: $(uptime)"
echo "| work | SessionKeeper | anchor: OpenSSH ControlMaster | ratio |"
echo "|---|---|---|---|"
echo "| \`run -d h -- true\`, daemon connected (median of $ROUNDS) | $A ms | $D ms | $(ratio "$A" "$D") |"
echo "| \`run -d h -- true\`, --no-daemon (new connection) | $B ms | $D ms | $(ratio "$B" "$D") |"
echo "| start-up floor: \`jobs\` on an empty journal (no network) | $C ms | $D ms | $(ratio "$C" "$D") |"
echo "| \`jobs\` on this run's journal | $E ms | | |"
echo "| \`status\` of a finished job | $F ms | | |"
echo "| $BURST \`run -d\` in a row through the daemon | $BURST_SK s, max $MAX_SK connection(s) (limit $MAX_PER_HOST) | $BURST_CM s, max $MAX_CM connection(s) | $(ratio "$BURST_SK" "$BURST_CM") |"
echo "| the daemon's CPU per job of that burst, until it settled them all (${SETTLED_AFTER} s after) | $DAEMON_CPU ms | | |"
