#!/usr/bin/env bash
# bench-stream.sh: streaming benchmark of SessionKeeper against a throwaway local sshd (issue 3).
#
# Usage: scripts/bench-stream.sh [--size-mib N] [--rounds N] [--binary PATH] [--plain-user | --user NAME] [--keep]
#
# Both tools log in as the current user, unless --plain-user (as root: a throwaway user sk-bench
# with /bin/sh and an empty home, created for the run and removed at the end, so no rc file runs
# for either tool; root's profile here starts pyenv, which every new connection, the resume's
# included, pays) or --user NAME (an existing user). With another user the targets' CPU is not
# counted (that user's per-connection sshd does not hand its children's CPU up to the listener,
# where the count is read): the figures say n/a.
#
# --binary PATH measures that sessionkeeper executable (the Native AOT binary that scripts/release.sh
# and the Dockerfile build, what a user runs) instead of the JIT build of the tree (no build then).
#
# What it does, all on 127.0.0.1 and all in a temp dir it deletes at the end (--keep keeps it):
#   1. builds the CLI in Release (dotnet build -c Release src/SessionKeeper.Cli);
#   2. starts a throwaway OpenSSH sshd on a free loopback port with fresh host and user keys
#      (like the integration tests' SshdFixture: no PAM, key auth only, XDG_STATE_HOME set);
#   3. creates a job whose log holds N MiB (default 500) of /dev/urandom, with `run --detach`;
#   4. throughput: the best of --rounds runs (default 3) of `sessionkeeper attach` (fresh state
#      dir each time, so the whole log is streamed and mirrored) against `ssh HOST cat LOG` with the
#      OpenSSH client, both to /dev/null, in MiB/s, and their ratio (target: >= 1.0), once per tier
#      of the stream helper: perl (the default where perl exists) and posix (a second port of the
#      same sshd whose sessions get SK_TIER=posix). With each, CPU per MiB streamed (mean of the
#      rounds): the client's (the CLI's or ssh's process tree, from getrusage of its children) and
#      the target's (sshd's per-connection processes and everything they started, read from the
#      sshd listener's cutime + cstime in /proc, which they add to when they are reaped), and the
#      peak resident memory of the client process (GNU time's %M; the goal for `attach` is under
#      100 MiB whatever the log's size: try --size-mib 2048);
#   5. stdin upload: the same N MiB as a job's stdin, `sessionkeeper run HOST -- 'cat >FILE' <SRC`
#      (launch, upload through the spool, the job's end) against `ssh HOST 'cat >FILE' <SRC`, wall
#      time, best of --rounds, and their ratio;
#   6. resume and detection, per round: `attach` to a job printing a numbered line every 10 ms,
#      SIGSTOP its per-connection sshd (a black hole: the socket stays open, nothing answers),
#      and timestamp the CLI's stdout and stderr lines with perl (Time::HiRes):
#        detection = SIGSTOP -> stderr "connection ... lost" (target: <= --dead-after + heartbeat);
#        resume    = that "lost" line -> first byte of the resumed stream on stdout. A SIGSTOPped
#                    sshd blocks only its own connection, so the path is back the moment the loss
#                    is detected; the first reconnect attempt has no backoff wait, so this is the
#                    connect + authenticate + stream start time (target: < 1 s).
#      The stopped sshd is SIGKILLed afterwards. Heartbeat and deadline are the defaults (1 s, 5 s)
#      unless SK_BENCH_HEARTBEAT / SK_BENCH_DEAD_AFTER say otherwise.
#
# Needs: dotnet, /usr/sbin/sshd, ssh, ssh-keygen, perl, GNU time (/usr/bin/time). Runs as root or as an ordinary user (then
# only that user logs in). Prints one line per figure; exit 0 unless something failed to run.
set -euo pipefail

SIZE_MIB=500
ROUNDS=3
KEEP=0
BINARY=
TARGET_USER=
while [ $# -gt 0 ]; do
    case $1 in
        --binary) BINARY=$(realpath "$2"); shift 2 ;;
        --size-mib) SIZE_MIB=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --user) TARGET_USER=$2; shift 2 ;;
        --plain-user) TARGET_USER=plain; shift ;;
        --keep) KEEP=1; shift ;;
        -h | --help) sed -n '2,36p' "$0"; exit 0 ;;
        *) echo "bench-stream: unknown argument $1" >&2; exit 2 ;;
    esac
done
HEARTBEAT=${SK_BENCH_HEARTBEAT:-1s}
DEAD_AFTER=${SK_BENCH_DEAD_AFTER:-5s}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sk-bench-XXXXXX)
chmod 755 "$WORK"
CLI_PIDS=()
# shellcheck source=lib/loopback-sshd.sh
. "$ROOT/scripts/lib/loopback-sshd.sh"

cleanup() {
    for p in "${CLI_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    loopback_sshd_stop
    if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The shell's own clock (bash 5): no process is started to read it (a perl -MTime::HiRes took ~8 ms).
now() { echo "$EPOCHREALTIME"; }
# Prefixes each input line with the time it was read; unbuffered.
stamp() { perl -MTime::HiRes=time -e '$|=1; while (<STDIN>) { printf "%.6f %s", time, $_ }'; }
mib_per_s() { perl -e 'printf "%.1f", $ARGV[0] / 1048576 / $ARGV[1]' "$1" "$2"; }

if [ -n "$BINARY" ]; then
    echo "== native binary $BINARY"
    SK=("$BINARY")
else
    echo "== building Release"
    dotnet build -c Release -v q -nologo "$ROOT/src/SessionKeeper.Cli" >"$WORK/build.log" 2>&1 || {
        cat "$WORK/build.log" >&2
        exit 1
    }
    SK=(dotnet "$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll")
fi

echo "== starting sshd"
# Private, as the CLI would create it: a state directory others can read gets a warning per command.
mkdir -m 700 "$WORK/local-state"
PORT=$(loopback_port)
PORT2=$(loopback_port)
SSHD_MATCH_SETENV=1
SSHD_EXTRA="Match LocalPort $PORT
    SetEnv $(loopback_env)
Match LocalPort $PORT2
    SetEnv $(loopback_env) SK_TIER=posix"
loopback_sshd_start "$PORT" "$PORT2" || { cat "$WORK/sshd.log" >&2; exit 1; }
loopback_target_user "$TARGET_USER"
USER_NAME=$TARGET_USER
TARGET_COUNTED=1
[ "$USER_NAME" = "$(id -un)" ] || TARGET_COUNTED=0
CONN=(-p "$PORT" -i "$WORK/user_ed25519" --known-hosts "$WORK/known_hosts")
SSH=(ssh -F /dev/null -i "$WORK/user_ed25519" -p "$PORT" -o "UserKnownHostsFile=$WORK/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -T)
HOST="$USER_NAME@127.0.0.1"
echo "sshd pid $SSHD_PID on port $PORT; $(nproc) CPUs; $("${SSH[@]}" -V 2>&1)"
echo "target user $USER_NAME, login shell $(getent passwd "$USER_NAME" | cut -d: -f7)"

# --- throughput -------------------------------------------------------------------------------
BYTES=$((SIZE_MIB * 1048576))
JOB=bench-big
echo "== creating a $SIZE_MIB MiB log"
"${SK[@]}" --state-dir "$WORK/local-state" run --detach --id "$JOB" "${CONN[@]}" "$HOST" -- \
    "head -c $BYTES /dev/urandom" >/dev/null
LOG=$WORK/remote-state/sessionkeeper/jobs/$JOB/out
for _ in $(seq 600); do
    [ -f "$WORK/remote-state/sessionkeeper/jobs/$JOB/exit" ] && break
    sleep 0.1
done
[ "$(stat -c %s "$LOG")" = "$BYTES" ] || { echo "log is $(stat -c %s "$LOG") bytes, expected $BYTES" >&2; exit 1; }

# cpu_run CMD...: runs CMD with stdout to /dev/null; prints its wall time and its tree's CPU (s).
cpu_run() {
    perl -MTime::HiRes=time -e 'open(STDOUT, ">", "/dev/null"); my $t = time; system(@ARGV) == 0 or exit 1;
        my @c = (times)[2, 3]; printf STDERR "%.6f %.3f\n", time - $t, $c[0] + $c[1]' "$@" 2>&1 >/dev/null | tail -n 1
}
# The CPU (s) of the sshd listener's reaped descendants: every finished connection's processes.
target_cpu() {
    perl -e 'open my $h, "<", "/proc/$ARGV[0]/stat" or die; my @f = split " ", (<$h> =~ /\) (.*)/s)[0];
        printf "%.3f\n", ($f[13] + $f[14]) / 100' "$SSHD_PID"
}
# measure NAME CMD...: one round of CMD; appends "NAME wall clientcpu targetcpu peakrss_kib" to $WORK/tp.
measure() {
    local name=$1 c0 c1 run
    shift
    c0=$(target_cpu)
    run=$(cpu_run /usr/bin/time -f %M -o "$WORK/rss" "$@") || { echo "$name failed" >&2; exit 1; }
    # The connection's processes are reaped by the listener a moment after the client ends.
    sleep 0.5
    c1=$(target_cpu)
    echo "$name $run $(perl -e 'printf "%.3f", $ARGV[1] - $ARGV[0]' "$c0" "$c1") $(tail -n 1 "$WORK/rss")" >>"$WORK/tp"
}
mkdir -m 700 "$WORK/local-state-posix"
: >"$WORK/tp"
for r in $(seq "$ROUNDS"); do
    rm -rf "$WORK/local-state/mirrors" "$WORK/local-state-posix/mirrors"
    measure perl "${SK[@]}" --state-dir "$WORK/local-state" attach "${CONN[@]}" "$HOST" "$JOB"
    measure posix "${SK[@]}" --state-dir "$WORK/local-state-posix" attach -p "$PORT2" -i "$WORK/user_ed25519" \
        --known-hosts "$WORK/known_hosts" "$HOST" "$JOB"
    measure ssh "${SSH[@]}" "$HOST" "cat $LOG"
    tail -n 3 "$WORK/tp" | BYTES=$BYTES COUNTED=$TARGET_COUNTED perl -ne '($n, $w, $c, $t, $m) = split; printf "round '"$r"': %-5s %6.1f MiB/s, CPU client %.2f s, target %s, client peak %.1f MiB\n", $n, $ENV{BYTES} / 1048576 / $w, $c, $ENV{COUNTED} ? sprintf("%.2f s", $t) : "n/a", $m / 1024'
done
cmp -s "$LOG" "$WORK/local-state/mirrors/${USER_NAME}@127.0.0.1_$PORT/$JOB.out" ||
    { echo "the mirror differs from the remote log" >&2; exit 1; }
cmp -s "$LOG" "$WORK/local-state-posix/mirrors/${USER_NAME}@127.0.0.1_$PORT2/$JOB.out" ||
    { echo "the posix tier's mirror differs from the remote log" >&2; exit 1; }
BYTES=$BYTES SIZE=$SIZE_MIB ROUNDS=$ROUNDS COUNTED=$TARGET_COUNTED perl -e '
    my (%best, %cc, %tc, %n, %rss);
    while (<>) {
        my ($name, $wall, $client, $target, $peak) = split;
        my $rate = $ENV{BYTES} / 1048576 / $wall;
        $best{$name} = $rate if $rate > ($best{$name} // 0);
        $rss{$name} = $peak if $peak > ($rss{$name} // 0);
        $cc{$name} += $client; $tc{$name} += $target; $n{$name}++;
    }
    my $mib = $ENV{BYTES} / 1048576;
    for my $name (qw(perl posix ssh)) {
        my $label = $name eq "ssh" ? "ssh cat" : "sessionkeeper attach ($name tier)";
        printf "throughput over %d MiB (best of %d): %-36s %7.1f MiB/s, ratio %.2f; CPU per MiB: client %.2f ms, target %s; client peak %.1f MiB\n",
            $ENV{SIZE}, $ENV{ROUNDS}, $label, $best{$name}, $best{$name} / $best{ssh},
            $cc{$name} / $n{$name} / $mib * 1000, $ENV{COUNTED} ? sprintf("%.2f ms", $tc{$name} / $n{$name} / $mib * 1000) : "n/a", $rss{$name} / 1024;
    }' "$WORK/tp"
echo "(targets: attach >= 1.00 x ssh cat with the perl tier; attach's peak under 100 MiB for any log size)"

# --- stdin upload -----------------------------------------------------------------------------
# The same bytes as the job's stdin: `sessionkeeper run HOST -- 'cat >FILE' <SRC` (launch, upload
# through the spool, job end) against `ssh HOST 'cat >FILE' <SRC`, wall time, same file.
best_up_sk=0 best_up_ssh=0
for r in $(seq "$ROUNDS"); do
    t0=$(now)
    "${SK[@]}" --state-dir "$WORK/local-state" run "${CONN[@]}" --shell /bin/sh "$HOST" -- "cat >$WORK/remote-state/up.sk" <"$LOG"
    t1=$(now)
    "${SSH[@]}" "$HOST" "cat >$WORK/remote-state/up.ssh" <"$LOG"
    t2=$(now)
    cmp -s "$LOG" "$WORK/remote-state/up.sk" || { echo "the uploaded copy differs from its source" >&2; exit 1; }
    sk=$(mib_per_s "$BYTES" "$(perl -e "print $t1 - $t0")")
    os=$(mib_per_s "$BYTES" "$(perl -e "print $t2 - $t1")")
    echo "round $r: sessionkeeper run <stdin $sk MiB/s, ssh 'cat >file' $os MiB/s"
    best_up_sk=$(perl -e 'print $ARGV[0] > $ARGV[1] ? $ARGV[0] : $ARGV[1]' "$sk" "$best_up_sk")
    best_up_ssh=$(perl -e 'print $ARGV[0] > $ARGV[1] ? $ARGV[0] : $ARGV[1]' "$os" "$best_up_ssh")
    rm -f "$WORK/remote-state/up.sk" "$WORK/remote-state/up.ssh"
done
echo "stdin upload over $SIZE_MIB MiB (best of $ROUNDS): sessionkeeper run $best_up_sk MiB/s, ssh 'cat >file' $best_up_ssh MiB/s," \
    "ratio $(perl -e 'printf "%.2f", $ARGV[0] / $ARGV[1]' "$best_up_sk" "$best_up_ssh")"

# --- detection and resume ---------------------------------------------------------------------
echo "== black hole (SIGSTOP of the per-connection sshd), heartbeat $HEARTBEAT, dead after $DEAD_AFTER"
session_pids() {
    # Per-connection sshd processes titled "sshd: USER@notty" (not the [priv] monitor).
    for p in $(pgrep -d' ' -f "^sshd: $USER_NAME@notty" || true); do echo "$p"; done
}
for r in $(seq "$ROUNDS"); do
    JOB=bench-tick-$r
    "${SK[@]}" --state-dir "$WORK/local-state" run --detach --id "$JOB" "${CONN[@]}" "$HOST" -- \
        'i=0; while [ $i -lt 6000 ]; do echo "tick $i"; i=$((i+1)); sleep 0.01; done' >/dev/null
    before=$(session_pids | sort)
    "${SK[@]}" --state-dir "$WORK/local-state" attach -v "${CONN[@]}" --heartbeat "$HEARTBEAT" --dead-after "$DEAD_AFTER" \
        "$HOST" "$JOB" > >(stamp >"$WORK/out.$r") 2> >(stamp >"$WORK/err.$r") &
    CLI_PIDS+=($!)
    cli=$!
    victim=
    for _ in $(seq 200); do
        victim=$(comm -13 <(echo "$before") <(session_pids | sort) | head -n1)
        [ -n "$victim" ] && [ -s "$WORK/out.$r" ] && break
        sleep 0.05
    done
    [ -n "$victim" ] || { echo "no sshd session for the attach" >&2; exit 1; }
    sleep 0.5
    t_stop=$(now)
    kill -STOP "$victim"
    for _ in $(seq 400); do
        grep -q "lost at byte" "$WORK/err.$r" && [ "$(wc -l <"$WORK/out.$r")" -gt 0 ] &&
            awk -v t="$(grep -m1 'lost at byte' "$WORK/err.$r" | cut -d' ' -f1)" '$1 > t { found = 1 } END { exit !found }' "$WORK/out.$r" &&
            break
        sleep 0.05
    done
    kill -9 "$victim" 2>/dev/null || true
    kill -INT "$cli" 2>/dev/null || true
    wait "$cli" 2>/dev/null || true
    t_lost=$(grep -m1 'lost at byte' "$WORK/err.$r" | cut -d' ' -f1)
    t_first=$(awk -v t="$t_lost" '$1 > t { print $1; exit }' "$WORK/out.$r")
    perl -e 'printf "round %d: detection %.0f ms, resume %.0f ms\n", $ARGV[0], ($ARGV[2] - $ARGV[1]) * 1000, ($ARGV[3] - $ARGV[2]) * 1000' \
        "$r" "$t_stop" "$t_lost" "$t_first" | tee -a "$WORK/timings"
    "${SK[@]}" --state-dir "$WORK/local-state" kill "${CONN[@]}" "$HOST" "$JOB" >/dev/null 2>&1 || true
done
DA=$DEAD_AFTER HB=$HEARTBEAT perl -ne '/detection (\d+) ms, resume (\d+) ms/ and do { push @d, $1; push @r, $2 };
    END { @d = sort { $a <=> $b } @d; @r = sort { $a <=> $b } @r;
          printf "black-hole detection: median %d ms, max %d ms (deadline %s + heartbeat %s)\n", $d[$#d / 2], $d[-1], $ENV{DA}, $ENV{HB};
          printf "resume after the link is back (no backoff): median %d ms, max %d ms (target < 1000 ms)\n", $r[$#r / 2], $r[-1] }' \
    "$WORK/timings"
