# SessionKeeper job wrapper, job directory layout 2 (the job's stdout in out, its stderr in err):
# "$1" is the job directory, "$2" the POSIX sh to use, "$3" the login's PATH (the job gets it back;
# the wrapper and the prelude use the system's own first), "$4" the signals the job must get back
# at their default ("INT,QUIT": see the keeper).
#
# Runs in a session of its own (started through setsid by the runner). It starts the job in a
# second session, so a kill of the job's process group never reaches the wrapper, and records the
# exit status atomically (temporary file, then mv).
#
# Shells reap their children on their own and then only say 128+N, which cannot tell "exit 143"
# from "killed by SIGTERM". So the job's parent is a keeper that never reaps: a shell that starts
# the job and then becomes `sleep`. The dead job stays a zombie whose /proc/PID/stat still holds
# the raw wait status; the wrapper reads it, then ends the keeper so init reaps the zombie.
umask 077
d=$1
interp=$2
lpath=${3-}
reset=${4-INT,QUIT}
PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin${lpath:+:$lpath}
export PATH
cd "$d" || exit 1

proc() {
    # Read without a fork (the wait loop polls this); a command name holding a newline cuts the
    # line short, and then cat reads it whole.
    IFS= read -r _l 2>/dev/null <"/proc/$1/stat" || _l=
    case $_l in *') '*) ;; *) _l=$(cat "/proc/$1/stat" 2>/dev/null) || return 1 ;; esac
    # shellcheck disable=SC2086
    set -- ${_l##*') '}
    P_STATE=$1 P_PGRP=$3 P_START=${20} P_RAW=${50}
}

put() {
    printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

# record LINE: the exit record. Written like any state file when there is room; on a full disk
# (the job may well have filled it) it goes into exit.slot, the file the runner pre-allocated at
# launch, overwritten in place (no new block needed), then renamed, and it says "nospace": the
# log lost what the job wrote while the disk was full.
record() {
    put exit "$1" && return 0
    rm -f "exit.tmp.$$"
    [ -f exit.slot ] && [ ! -L exit.slot ] || return 1
    printf '%s nospace\n' "$1" 1<>exit.slot && mv -f exit.slot exit
}

nap() {
    sleep "$1" 2>/dev/null || sleep 1
}

# ids PID: the Uid: and Gid: lines of PID's status (real, effective, saved and fs ids).
ids() {
    _ids=
    while IFS= read -r _line; do
        case $_line in Uid:* | Gid:*) _ids="$_ids $_line" ;; esac
    done 2>/dev/null <"/proc/$1/status"
    printf '%s' "$_ids"
}

# status_readable PID: the kernel shows this wrapper PID's wait status. A zombie's (stat field 52)
# reads as 0 to a reader that may not ptrace it: the job's leader took other ids (a setuid program
# that kept them, such as sudo, or one run through setpriv) and its real status is hidden, so it
# is recorded unknown, never as "exit 0". Root may read any.
status_readable() {
    _mine=$(ids $$)
    case $_mine in *'Uid:	0	0	0	0'*) return 0 ;; esac
    [ -n "$_mine" ] && [ "$_mine" = "$(ids "$1")" ]
}

proc $$ && put wrapper "$$ $P_START"

read -r timeout grace <limits
case $timeout in '' | *[!0-9]*) timeout=0 ;; esac
case $grace in '' | *[!0-9]*) grace=10 ;; esac

# The job's own first step, in its new session: record its identity, read what it needs, then
# become the command. The job's environment file is sourced last, right before the exec: no tool
# runs under the job's PATH, IFS, HOME or LD_PRELOAD, and a bad one cannot change its exit code.
# shellcheck disable=SC2016
prelude='
d=$1
lpath=$2
# Do not run before the keeper is a non-reaping sleep, or a fast exit could be reaped unseen.
n=0
while [ $n -lt 500 ] && read -r c </proc/$PPID/comm 2>/dev/null && [ "$c" != sleep ]; do
    sleep 0.01 2>/dev/null || sleep 1
    n=$((n + 1))
done
# What the command will start with: read by a child, since bash and BusyBox ash ignore SIGQUIT
# in their own process but give their children (and the final exec) the dispositions they got.
st=$(cat /proc/self/status 2>/dev/null)
ign=${st#*SigIgn:?} blk=${st#*SigBlk:?}
ign=${ign%%[!0-9a-f]*} blk=${blk%%[!0-9a-f]*}
printf "%s %s %s\n" "${ign:--}" "${blk:--}" "$3" >"$d/signals"
l=$(cat /proc/$$/stat 2>/dev/null) && set -- ${l##*") "} && printf "%s\n" "${20}" >"$d/starttime.tmp"
printf "%s\n" $$ >"$d/pid"
printf "%s\n" $$ >"$d/pgid"
cat /proc/sys/kernel/random/boot_id >"$d/boot_id" 2>/dev/null || echo none >"$d/boot_id"
[ -f "$d/starttime.tmp" ] || date +%s >"$d/starttime.tmp"
mv -f "$d/starttime.tmp" "$d/starttime"
# The launch waits for this: fd 3 is the pipe its runner reads to the end (the command never gets it).
exec 3>&-
SESSIONKEEPER_JOB_ID=${d##*/}
SESSIONKEEPER_JOB_COOKIE=$(cat "$d/cookie")
export SESSIONKEEPER_JOB_ID SESSIONKEEPER_JOB_COOKIE
cwd=$(cat "$d/cwd"; printf x)
cwd=${cwd%x}
if [ -n "$cwd" ]; then
    cd "$cwd" || { echo "sessionkeeper: cannot change to directory $cwd" >&2; exit 126; }
else
    cd "${HOME:-/}" 2>/dev/null || cd /
fi
um=$(cat "$d/umask" 2>/dev/null) && [ -n "$um" ] && umask "$um"
shell=$(cat "$d/shell")
[ -n "$shell" ] || shell=${SHELL:-/bin/sh}
cmd=$(cat "$d/cmd"; printf x)
cmd=${cmd%x}
# The command goes into the positional parameters before the environment is sourced: no
# assignment in it (-e cmd=..., -e shell=...) can change what runs.
set -- "$shell" -c "$cmd"
PATH=$lpath
. "$d/env"
exec "$@"
'

# The job is an asynchronous list of the keeper, and such lists start with SIGINT and SIGQUIT
# ignored (a shell cannot undo that), so it starts through a step that sets them back to their
# default before the prelude: GNU env --default-signal (coreutils 8.31+), else perl, else python3.
# With none of them (BusyBox-only) the job keeps them ignored, and its signals file says so.
method=none
set --
if [ -n "$reset" ]; then
    if env --default-signal=INT true >/dev/null 2>&1; then
        set -- env "--default-signal=$reset"
        method=env
    elif command -v perl >/dev/null 2>&1; then
        # shellcheck disable=SC2016
        set -- perl -e '$SIG{$_} = "DEFAULT" for split /,/, shift; exec { $ARGV[0] } @ARGV or die "sessionkeeper: $ARGV[0]: $!\n"' "$reset"
        method=perl
    elif command -v python3 >/dev/null 2>&1; then
        # Python itself ignores SIGPIPE and SIGXFSZ: those go back to their default too.
        set -- python3 -c 'import os, signal, sys
for n in sys.argv[1].split(",") + ["PIPE", "XFSZ"]: signal.signal(getattr(signal, "SIG" + n), signal.SIG_DFL)
os.execvp(sys.argv[2], sys.argv[2:])' "$reset"
        method=python3
    fi
else
    method=unneeded
fi

# The feeder of a job given stdin (the stdin file says "spool"): the job's stdin is a pipe, and
# this copies the spool into it as it grows, from the first byte, exactly once, and closes it
# (the job sees EOF) once it has copied the N bytes in.eof names. Each round copies what the
# spool holds now: tail from the offset, head cut at the size read before (the spool only grows,
# so tail gives at least that much). It ends when the job stops reading (head's write fails),
# and when its keeper is gone (the wrapper has recorded the job's end). Ticks back off from
# 10 ms to 250 ms while nothing arrives.
# shellcheck disable=SC2016
feeder='d=$1 k=$2
printf "%s\n" $$ >"$d/feeder"
off=0 n=0
while :; do
    e=
    [ -f "$d/in.eof" ] && IFS= read -r e <"$d/in.eof"
    s=$(wc -c <"$d/in") || exit 0
    if [ "$s" -gt "$off" ]; then
        tail -c +$((off + 1)) "$d/in" | head -c $((s - off)) || exit 0
        off=$s n=0
        continue
    fi
    case $e in "$off") exit 0 ;; esac
    IFS= read -r l <"/proc/$$/stat" 2>/dev/null || exit 0
    set -- ${l##*") "}
    [ "$2" = "$k" ] || exit 0
    case $n in
        0 | 1 | 2 | 3 | 4) sleep 0.01 2>/dev/null || sleep 1 ;;
        5 | 6 | 7 | 8 | 9) sleep 0.05 2>/dev/null || sleep 1 ;;
        *) sleep 0.25 2>/dev/null || sleep 1 ;;
    esac
    n=$((n + 1))
done'

stdin=null
IFS= read -r stdin <stdin 2>/dev/null
[ "$stdin" = spool ] && [ -f in ] && [ ! -L in ] || stdin=null

# shellcheck disable=SC2016
keeper='p=$1 d=$2 lp=$3 m=$4 f=$5
shift 5
if [ -n "$f" ]; then
    "$0" -c "$f" sessionkeeper-feed "$d" $$ 3>&- | setsid "$@" "$0" -c "$p" sessionkeeper-job "$d" "$lp" "$m" >>"$d/out" 2>>"$d/err" &
else
    setsid "$@" "$0" -c "$p" sessionkeeper-job "$d" "$lp" "$m" </dev/null >>"$d/out" 2>>"$d/err" &
fi
printf "%s\n" $! >"$d/keeper.job"
exec sleep 2147483647 3>&-'
feed=
[ "$stdin" = spool ] && feed=$feeder
"$interp" -c "$keeper" "$interp" "$prelude" "$d" "$lpath" "$method" "$feed" "$@" </dev/null >/dev/null 2>&1 &
keeper_pid=$!
# The launch's pipe (fd 3, when the runner gave one) is the job's to close from here on.
exec 3>&-
n=0
job=
while [ $n -lt 1000 ]; do
    read -r job <keeper.job 2>/dev/null && [ -n "$job" ] && break
    nap 0.01
    n=$((n + 1))
done
case $job in '' | *[!0-9]*)
    kill "$keeper_pid" 2>/dev/null
    record "v1 unknown 0 0 0 $(date +%s)"
    exit 1
    ;;
esac

start=$(date +%s)
timedout=0
termed=0
n=0
raw=
jstart=
while :; do
    if ! proc "$job"; then
        break
    fi
    if [ "$P_STATE" = Z ]; then
        raw=$P_RAW
        status_readable "$job" || raw=
        break
    fi
    [ -n "$jstart" ] || jstart=$P_START
    if [ "$timeout" -gt 0 ]; then
        now=$(date +%s)
        # Signal only the job's own group: the process just read is the job (same start time)
        # and already leads its group (setsid done); otherwise try again at the next poll.
        if [ "$P_START" = "$jstart" ] && [ "$P_PGRP" = "$job" ]; then
            if [ "$termed" = 0 ] && [ $((now - start)) -ge "$timeout" ]; then
                timedout=1 termed=$now
                kill -s TERM -- "-$job" 2>/dev/null
            elif [ "$termed" != 0 ] && [ $((now - termed)) -ge "$grace" ]; then
                kill -s KILL -- "-$job" 2>/dev/null
            fi
        fi
    fi
    case $n in
        0 | 1 | 2 | 3 | 4) nap 0.01 ;;
        5 | 6 | 7 | 8 | 9) nap 0.05 ;;
        1? | 2?) nap 0.1 ;;
        *) nap 0.25 ;;
    esac
    n=$((n + 1))
done
# The feeder is the keeper's child (alive or a zombie, its pid cannot be reused while the keeper
# lives): ended first, so it stops at once rather than at its next tick.
read -r feeder_pid <feeder 2>/dev/null && proc "$feeder_pid" && [ "$P_STATE" != Z ] && {
    IFS= read -r _l <"/proc/$feeder_pid/stat" 2>/dev/null
    set -- ${_l##*') '}
    [ "$2" = "$keeper_pid" ] && kill "$feeder_pid" 2>/dev/null
}
kill "$keeper_pid" 2>/dev/null
wait "$keeper_pid" 2>/dev/null
ended=$(date +%s)
case $raw in
    '' | *[!0-9]*)
        # The job vanished without being seen as a zombie: its status is unknown, not 0.
        record "v1 unknown 0 0 $timedout $ended"
        ;;
    *)
        sig=$((raw & 127))
        if [ "$sig" -eq 0 ]; then
            record "v1 exited $(((raw >> 8) & 255)) 0 $timedout $ended"
        else
            record "v1 killed $((128 + sig)) $sig $timedout $ended"
        fi
        ;;
esac
