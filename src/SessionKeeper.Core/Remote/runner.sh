# SessionKeeper remote runner, protocol 2.
#
# Read by a constant `exec /bin/sh -s`; the client appends the request (shell-quoted variables and a
# call to sk_main) and wraps everything in one brace group, so a payload cut short by a dropped
# connection is never parsed completely and nothing of it runs. POSIX sh only: dash, bash and
# BusyBox ash. Every line the client acts on starts with "@@SK2 "; anything else is noise.
#
# Job directory layout 2 (all files 0600, directory 0700):
#   proto                               "2 sh": the layout, written by launch before the rest (see sk_layout)
#   cmd cwd env shell cookie limits     the request, stored verbatim
#   wrapper.sh                          the supervising wrapper (see wrapper.sh)
#   start.lock/                         created once by whoever starts the wrapper
#   wrapper                             "pid starttime" of the wrapper
#   pid pgid starttime boot_id          identity of the job, written by the job itself; no signal
#                                       trusts them alone (see sk_ours)
#   out err                             the job's stdout and stderr, append-only, plain bytes
#   exit                                "v1 kind code signal timedout ended [nospace]", written atomically
#   exit.slot                           pre-allocated at launch: the wrapper writes the exit record
#                                       into it in place when the disk is full (then "nospace")
#   helpers/<client>                    "pid starttime" of the stream helper serving <client>
#   stdin                               "null" (the job reads /dev/null) or "spool" (it reads in)
#   in                                  the stdin spool, append-only, written by one uploader at a time
#   in.eof                              "N": the spool is complete at N bytes (written once, by rename)
#   uploader                            "pid start catpid catstart" of the upload call writing in
#   feeder                              "pid" of the wrapper's feeder (the job's stdin pipe)
# Layout 1 (wave 1, no proto) differs only in one file, log, for stdout and stderr together: its
# directories are still served by every verb, with one stream token (l) instead of two (o, e).

sk_reply() { printf '@@SK2 %s\n' "$*"; }

sk_fail() {
    sk_reply "error code=$1"
    sk_reply end
    exit 0
}

sk_isnum() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
    return 0
}

# A regular file, not a symlink: nothing in a job directory is followed or read otherwise (a FIFO
# would block the reader forever, a symlink would show another file as the job's).
sk_regular() {
    [ -f "$1" ] && [ ! -L "$1" ]
}

# First 128 bytes of a small state file, never more: files on the target are not trusted.
sk_small() {
    sk_regular "$1" || return 1
    dd if="$1" bs=128 count=1 2>/dev/null
}

# sk_tampered: true when a file of $SK_DIR exists but is not a regular file (or helpers is not a
# plain directory); SK_TAMPERED names it.
sk_tampered() {
    for SK_TAMPERED in proto pid pgid starttime boot_id created cookie wrapper cmd log out err exit exit.slot stdin in in.eof uploader; do
        if [ -e "$SK_DIR/$SK_TAMPERED" ] || [ -L "$SK_DIR/$SK_TAMPERED" ]; then
            sk_regular "$SK_DIR/$SK_TAMPERED" || return 0
        fi
    done
    SK_TAMPERED=helpers
    if [ -e "$SK_DIR/helpers" ] || [ -L "$SK_DIR/helpers" ]; then
        [ -d "$SK_DIR/helpers" ] && [ ! -L "$SK_DIR/helpers" ] || return 0
    fi
    SK_TAMPERED=
    return 1
}

# sk_proc PID: fills SK_STATE SK_PPID SK_PGRP SK_SID SK_START SK_RAW from /proc/PID/stat.
# The command name may hold spaces and parentheses, so fields are split after the last ") ".
sk_proc() {
    sk_isnum "$1" || return 1
    [ "$1" -gt 1 ] || return 1
    # One line from the kernel, read without a fork (pollers call this often); a command name
    # holding a newline cuts that line short, and then cat reads it whole.
    IFS= read -r _l 2>/dev/null <"/proc/$1/stat" || _l=
    case $_l in *') '*) ;; *) _l=$(cat "/proc/$1/stat" 2>/dev/null) || return 1 ;; esac
    case $_l in *') '*) ;; *) return 1 ;; esac
    # shellcheck disable=SC2086
    set -- ${_l##*') '}
    SK_STATE=$1 SK_PPID=$2 SK_PGRP=$3 SK_SID=$4 SK_START=${20} SK_RAW=${50}
    return 0
}

sk_boot_id() {
    cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none
}

sk_base() {
    [ -n "${HOME:-}" ] || [ -n "${XDG_STATE_HOME:-}" ] || sk_fail no-home
    SK_BASE=${XDG_STATE_HOME:-$HOME/.local/state}/sessionkeeper/jobs
}

sk_check_id() {
    case $1 in '' | *[!a-z0-9-]* | -*) sk_fail bad-id ;; esac
}

# The job directory must be a real directory owned by us: never follow a planted symlink.
sk_owned() {
    [ -d "$1" ] && [ ! -L "$1" ] || return 1
    # shellcheck disable=SC2046
    set -- $(ls -ldn "$1" 2>/dev/null)
    [ "${3:-x}" = "$(id -u)" ]
}

sk_jobdir() {
    sk_base
    sk_check_id "$1"
    SK_DIR=$SK_BASE/$1
    [ -e "$SK_DIR" ] || [ -L "$SK_DIR" ] || sk_fail no-such-job
    sk_owned "$SK_DIR" || sk_fail foreign-owner
}

# For the verbs that read the job's files: a tampered job directory is refused, not read.
sk_untampered() {
    sk_tampered && sk_fail "tampered-$SK_TAMPERED"
    return 0
}

sk_put() {
    rm -f "$1.tmp.$$" && printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

# A tiny sleep where the system has fractional sleep (GNU, BusyBox), one second otherwise.
sk_nap() {
    sleep "$1" 2>/dev/null || sleep 1
}

# sk_wrapper_alive: true when the process the wrapper file names is alive with its recorded start
# time and is this directory's wrapper (its command line runs $SK_DIR/wrapper.sh on $SK_DIR), so a
# wrapper file forged to name another process proves nothing. Sets SK_WPID. The command line costs
# a fork: it is read once per wrapper and call, pollers then only compare the start time.
sk_wrapper_alive() {
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/wrapper")
    [ $# -eq 2 ] || return 1
    _ws=$2
    sk_proc "$1" || return 1
    [ "$SK_START" = "$_ws" ] && [ "$SK_STATE" != Z ] || return 1
    SK_WPID=$1
    [ "${SK_WOK:-}" = "$SK_DIR $1 $_ws" ] && return 0
    _cl=$(tr '\000' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    _cl=${_cl#*"
"}
    case $_cl in "$SK_DIR/wrapper.sh
$SK_DIR
"*) ;; *) return 1 ;; esac
    # Still the process whose start time was checked: its pid was not reused meanwhile.
    sk_proc "$1" && [ "$SK_START" = "$_ws" ] || return 1
    SK_WOK="$SK_DIR $1 $_ws"
}

# sk_has_cookie PID: PID's environment carries the cookie of the cookie file. That file may be
# forged too: then only a process that really carries the forged value matches, and such a process
# cannot be told from the job by anything left once the wrapper is gone; it is accepted as the job.
sk_has_cookie() {
    _c=$(sk_small "$SK_DIR/cookie")
    [ -n "$_c" ] || return 1
    tr '\000' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "SESSIONKEEPER_JOB_COOKIE=$_c"
}

# sk_ours PID: PID (alive, not a zombie) is this job, proven from live /proc state and never from
# the identity files: pid, pgid, starttime, boot_id and cookie can all be rewritten to name another
# process of the user. While the wrapper lives only lineage counts: the job is the wrapper's
# grandchild, started by the keeper (a never-reaping sleep) that the wrapper started. Once the
# wrapper is gone the job's own environment must carry the cookie.
sk_ours() {
    sk_proc "$1" || return 1
    _pp=$SK_PPID _js=$SK_START
    if sk_wrapper_alive; then
        _wp=$SK_WPID
        sk_proc "$_pp" && [ "$SK_PPID" = "$_wp" ] || return 1
    else
        sk_has_cookie "$1" || return 1
    fi
    # Leave SK_* describing PID, as callers expect; the same process, not a reused pid.
    sk_proc "$1" && [ "$SK_STATE" != Z ] && [ "$SK_START" = "$_js" ] && [ "$SK_PPID" = "$_pp" ]
}

# sk_job_alive: the process the pid file names is alive and is this job (sk_ours). The starttime
# file is not consulted: a reused pid fails the proof, and a forged start time changes nothing.
sk_job_alive() {
    sk_ours "$(sk_small "$SK_DIR/pid")"
}

# sk_valid_exit v1 KIND CODE SIGNAL TIMEDOUT ENDED [nospace]: a record the wrapper could have
# written. Numbers are canonical decimals of bounded length, codes 0-255, signals 1-64, and kind,
# code and signal agree: "killed 0 999" or "exited 300" are forgeries, not exit statuses.
sk_valid_exit() {
    [ "$1" = v1 ] || return 1
    [ $# -eq 6 ] || { [ $# -eq 7 ] && [ "$7" = nospace ]; } || return 1
    for _v in "$3" "$4"; do
        case $_v in 0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; *) return 1 ;; esac
    done
    case $5 in 0 | 1) ;; *) return 1 ;; esac
    case $6 in '' | *[!0-9]* | 0?* | ????????????*) return 1 ;; esac
    case $2 in
        exited) [ "$3" -le 255 ] && [ "$4" -eq 0 ] ;;
        killed) [ "$4" -ge 1 ] && [ "$4" -le 64 ] && [ "$3" -eq $((128 + $4)) ] ;;
        unknown) [ "$3" -eq 0 ] && [ "$4" -eq 0 ] ;;
        *) return 1 ;;
    esac
}

# sk_exit_record: sets SK_EXIT to the validated exit line, or fails; SK_EXIT_BAD=1 when a record
# is there but is not one the wrapper could have written.
sk_exit_record() {
    SK_EXIT_BAD=0
    # The stream helper asks on every poll: no fork while there is no record yet.
    if [ -e "$SK_DIR/exit" ] || [ -L "$SK_DIR/exit" ]; then
        SK_EXIT=$(sk_small "$SK_DIR/exit") || SK_EXIT=
    else
        # The wrapper renames its slot to exit; a slot it filled but could not rename still counts.
        sk_regular "$SK_DIR/exit.slot" || return 1
        IFS= read -r SK_EXIT <"$SK_DIR/exit.slot" 2>/dev/null || return 1
        case $SK_EXIT in 'v1 '*) ;; *) return 1 ;; esac
    fi
    # shellcheck disable=SC2086
    set -- $SK_EXIT
    if ! sk_valid_exit "$@"; then
        SK_EXIT_BAD=1
        return 1
    fi
    _ns=
    [ "${7:-}" = nospace ] && _ns=" nospace=1"
    if [ "$2" = unknown ]; then
        SK_EXIT="state=lost reason=exit-status-unknown ended=$6$_ns"
    else
        SK_EXIT="state=$2 code=$3 signal=$4 timedout=$5 ended=$6$_ns"
    fi
}

# sk_state: derives the state of $SK_DIR's job. Sets SK_LINE (the key=value report).
sk_state() {
    if sk_exit_record; then
        SK_LINE=$SK_EXIT
        return
    fi
    if [ "$SK_EXIT_BAD" = 1 ] || [ -e "$SK_DIR/exit" ] || [ -L "$SK_DIR/exit" ]; then
        # The wrapper may have put it in place (atomically) between that read and this test.
        if sk_exit_record; then
            SK_LINE=$SK_EXIT
            return
        fi
        SK_LINE="state=lost reason=malformed-exit-record"
        return
    fi
    # A job proven alive (sk_ours) is running whatever its boot_id file says: that file may be
    # forged, and a process from before a reboot cannot pass the proof.
    if [ -f "$SK_DIR/starttime" ] && sk_job_alive; then
        SK_LINE="state=running"
        return
    fi
    # A live wrapper of this directory (its command line checked) dates from this boot.
    _b=$(sk_small "$SK_DIR/boot_id")
    if [ -n "$_b" ] && [ "$_b" != "$(sk_boot_id)" ] && ! sk_wrapper_alive; then
        SK_LINE="state=lost reason=rebooted"
        return
    fi
    if [ ! -f "$SK_DIR/starttime" ]; then
        if sk_wrapper_alive; then
            SK_LINE="state=starting"
        elif [ -d "$SK_DIR/start.lock" ]; then
            SK_LINE="state=lost reason=never-started"
        else
            SK_LINE="state=lost reason=launch-incomplete"
        fi
        return
    fi
    # The job is gone, or the pid file names a process that is not the job. Its wrapper records
    # the exit status within a poll interval: give it a moment, but only while it is still alive.
    _n=0
    while [ $_n -lt 40 ] && sk_wrapper_alive; do
        sk_exit_record && {
            SK_LINE=$SK_EXIT
            return
        }
        sk_nap 0.05
        _n=$((_n + 1))
    done
    if sk_exit_record; then
        SK_LINE=$SK_EXIT
    elif ! sk_wrapper_alive; then
        SK_LINE="state=lost reason=wrapper-gone"
    elif sk_job_ended; then
        # Its end is known to the kernel, not yet to the record: the wrapper (stopped, or starved
        # of CPU) will still write it. Not final, so nobody records the job as lost meanwhile.
        SK_LINE="state=ending"
    else
        SK_LINE="state=lost reason=identity-mismatch"
    fi
}

# sk_job_ended: the pid file names this job's zombie: it has ended and nobody has read its wait
# status yet. Proven by lineage as sk_ours does while the wrapper lives (a zombie's environment
# cannot be read): the zombie's parent is the keeper, a child of the live wrapper, and its start
# time is the one the job recorded. A zombie's pid is not reused while it is unreaped.
sk_job_ended() {
    _ep=$(sk_small "$SK_DIR/pid") _es=$(sk_small "$SK_DIR/starttime")
    sk_isnum "$_es" || return 1
    sk_proc "$_ep" && [ "$SK_STATE" = Z ] && [ "$SK_START" = "$_es" ] || return 1
    _ek=$SK_PPID
    sk_wrapper_alive || return 1
    _ew=$SK_WPID
    sk_proc "$_ek" && [ "$SK_PPID" = "$_ew" ]
}

sk_hex() {
    sk_regular "$1" || return 0
    dd if="$1" bs=160 count=1 2>/dev/null | od -An -tx1 -v | tr -d ' \n'
}

# sk_field NAME FILE PATTERN: "NAME=value" when the file holds one line matching the case PATTERN
# class check below, "NAME=" otherwise. A state file is never echoed as it is: its text could hold
# spaces or "key=value" words that would be read as fields of the reply.
sk_field() {
    _v=$(sk_small "$2") || _v=
    case $3 in
        num) case $_v in '' | *[!0-9]* | ?????????????????????*) _v= ;; esac ;;
        *) case $_v in '' | *[!0-9a-f-]* | ?????????????????????????????????????????????????*) _v= ;; esac ;;
    esac
    printf '%s=%s' "$1" "$_v"
}

sk_ident_fields() {
    printf '%s %s %s %s %s' "$(sk_field pid "$SK_DIR/pid" num)" "$(sk_field pgid "$SK_DIR/pgid" num)" \
        "$(sk_field start "$SK_DIR/starttime" num)" "$(sk_field boot "$SK_DIR/boot_id" hex)" \
        "$(sk_field created "$SK_DIR/created" num)"
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/signals")
    [ $# -eq 3 ] || return 0
    case $1$2 in *[!0-9a-f-]* | ???????????????????????????????????*) return 0 ;; esac
    case $3 in '' | *[!A-Za-z0-9-]* | ?????????????????*) return 0 ;; esac
    printf ' sigign=%s sigblk=%s sigreset=%s' "$1" "$2" "$3"
}

# sk_layout: sets SK_LAYOUT to the layout of $SK_DIR. A layout-2 launch writes proto before its
# start.lock and files; without proto, a log or a start.lock is wave 1's (layout 1); with neither,
# the launch was cut right after its mkdir and is completed as layout 2. Returns 1 when proto is not a
# regular file (tampered), 2 when it names a later layout (a newer client started the job).
sk_layout() {
    SK_LAYOUT=2
    if [ -e "$SK_DIR/proto" ] || [ -L "$SK_DIR/proto" ]; then
        # shellcheck disable=SC2046
        set -- $(sk_small "$SK_DIR/proto")
        case ${1:-} in
            2) return 0 ;;
            [3-9] | [1-9][0-9]) return 2 ;;
            *) return 1 ;;
        esac
    fi
    [ -e "$SK_DIR/log" ] || [ -L "$SK_DIR/log" ] || [ -d "$SK_DIR/start.lock" ] && SK_LAYOUT=1
    return 0
}

# For the verbs that read one job's files: a layout this runner cannot read is refused.
sk_known_layout() {
    sk_layout
    case $? in
        1) sk_fail tampered-proto ;;
        2) sk_fail newer-layout ;;
    esac
}

# sk_wc2 NAME1 NAME2: sets _w1 and _w2 to the sizes of $SK_DIR/NAME1 and $SK_DIR/NAME2 with one
# wc (the stream helper asks on every poll). The names are relative to the job directory, so a
# home directory with spaces cannot split wc's output. Fails when either file cannot be read.
sk_wc2() {
    _w=$(cd "$SK_DIR" && wc -c "$1" "$2" 2>/dev/null) || return 1
    # shellcheck disable=SC2086
    set -- $_w
    sk_isnum "${1:-}" && sk_isnum "${3:-}" || return 1
    _w1=$1 _w2=$3
}

# sk_sizes_field: "layout=L out=N err=N", the output's sizes (layout 1: out is the one log).
sk_sizes_field() {
    if [ "$SK_LAYOUT" = 1 ]; then
        _w1=$(wc -c <"$SK_DIR/log" 2>/dev/null) || _w1=0
        _w2=0
    elif ! sk_wc2 out err; then
        _w1=$(wc -c <"$SK_DIR/out" 2>/dev/null) || _w1=0
        _w2=$(wc -c <"$SK_DIR/err" 2>/dev/null) || _w2=0
    fi
    printf 'layout=%s out=%s err=%s' "$SK_LAYOUT" "${_w1:-0}" "${_w2:-0}"
}

sk_report() {
    if sk_tampered; then
        # Only ps gets here (the other verbs refuse the job): name the job, read nothing more of it.
        sk_reply "status id=$1 state=lost reason=tampered-$SK_TAMPERED out=0 err=0 cmd="
        return
    fi
    sk_layout
    case $? in
        1)
            sk_reply "status id=$1 state=lost reason=tampered-proto out=0 err=0 cmd="
            return
            ;;
        2)
            sk_reply "status id=$1 state=lost reason=newer-layout out=0 err=0 cmd="
            return
            ;;
    esac
    sk_state
    sk_reply "status id=$1 $SK_LINE $(sk_ident_fields) $(sk_sizes_field)$(sk_stdin_field) cmd=$(sk_hex "$SK_DIR/cmd")"
}

# sk_stdin_field: " stdin=spool in=N ineof=N|-" for a job given a stdin spool, nothing otherwise.
sk_stdin_field() {
    [ "$(sk_small "$SK_DIR/stdin")" = spool ] || return 0
    sk_regular "$SK_DIR/in" || return 0
    _i=$(wc -c <"$SK_DIR/in" 2>/dev/null) || return 0
    _e=$(sk_small "$SK_DIR/in.eof")
    sk_isnum "$_e" || _e=-
    printf ' stdin=spool in=%s ineof=%s' "$_i" "$_e"
}

sk_start_wrapper() {
    # The signals the job gets back at their default: asynchronous lists start with SIGINT and
    # SIGQUIT ignored, and bash and BusyBox ash reading a script on stdin ignore SIGQUIT
    # themselves, so the runner's own dispositions say nothing about the login's.
    SK_RESET=INT,QUIT
    if command -v setsid >/dev/null 2>&1; then
        setsid "$SK_INTERP" "$SK_DIR/wrapper.sh" "$SK_DIR" "$SK_INTERP" "$SK_LOGIN_PATH" "$SK_RESET" </dev/null >>"$SK_DIR/wrapper.err" 2>&1 &
    elif command -v perl >/dev/null 2>&1; then
        perl -e 'use POSIX (); POSIX::setsid(); exec @ARGV or die' \
            "$SK_INTERP" "$SK_DIR/wrapper.sh" "$SK_DIR" "$SK_INTERP" "$SK_LOGIN_PATH" "$SK_RESET" </dev/null >>"$SK_DIR/wrapper.err" 2>&1 &
    else
        return 1
    fi
}

# systemd-logind with KillUserProcesses=yes kills everything of a user at their last logout,
# setsid or not, unless lingering is on: the client warns about it.
sk_logind_kills() {
    command -v busctl >/dev/null 2>&1 || return 1
    _k=$(busctl get-property org.freedesktop.login1 /org/freedesktop/login1 \
        org.freedesktop.login1.Manager KillUserProcesses 2>/dev/null) || return 1
    [ "$_k" = "b true" ] || return 1
    [ "$(loginctl show-user "$(id -un)" -p Linger --value 2>/dev/null)" != yes ]
}

sk_launch() {
    sk_base
    sk_check_id "$SK_ID"
    mkdir -p "$SK_BASE" || sk_fail cannot-create-base
    SK_DIR=$SK_BASE/$SK_ID
    if mkdir "$SK_DIR" 2>/dev/null; then
        SK_FRESH=1
        # Test hook: stop as a crash would, with the directory made and nothing started.
        [ "${SK_FAULT:-}" = remote-after-mkdir ] && exit 0
    else
        SK_FRESH=0
        sk_owned "$SK_DIR" || sk_fail foreign-owner
        _c=$(sk_small "$SK_DIR/cookie")
        [ -z "$_c" ] || [ "$_c" = "$SK_COOKIE" ] || sk_fail id-exists
    fi
    if [ -n "$SK_CWD" ] && [ ! -d "$SK_CWD" ]; then
        # Nothing started: remove the directory only if this call created it.
        [ "$SK_FRESH" = 1 ] && rmdir "$SK_DIR"
        sk_fail bad-cwd
    fi
    # The layout, recorded before anything else of the job: a directory with neither proto nor
    # start.lock (a launch cut right after its mkdir) is completed as layout 2; one of layout 1
    # has its start.lock, so nothing below starts it.
    sk_known_layout
    [ "$SK_LAYOUT" = 2 ] && [ ! -e "$SK_DIR/proto" ] && printf '2 sh\n' >"$SK_DIR/proto"
    if mkdir "$SK_DIR/start.lock" 2>/dev/null; then
        printf '%s' "$SK_CMD" >"$SK_DIR/cmd"
        printf '%s' "$SK_CWD" >"$SK_DIR/cwd"
        printf '%s' "$SK_ENVTXT" >"$SK_DIR/env"
        printf '%s' "$SK_SHELL" >"$SK_DIR/shell"
        printf '%s\n' "$SK_USER_UMASK" >"$SK_DIR/umask"
        printf '%s\n' "$SK_TIMEOUT $SK_GRACE" >"$SK_DIR/limits"
        # stdin: the spool exists before the wrapper starts, so its feeder never waits for it.
        if [ "${SK_STDIN:-null}" = spool ]; then
            : >>"$SK_DIR/in"
            printf 'spool\n' >"$SK_DIR/stdin"
        else
            printf 'null\n' >"$SK_DIR/stdin"
        fi
        printf '%s' "$SK_WRAPPER" >"$SK_DIR/wrapper.sh"
        date +%s >"$SK_DIR/created"
        : >>"$SK_DIR/out"
        : >>"$SK_DIR/err"
        # The exit record's room, taken now: a disk that fills up while the job runs cannot keep
        # the wrapper from recording the exit status (it overwrites this file in place).
        printf '%63s\n' '' >"$SK_DIR/exit.slot"
        mkdir -p "$SK_DIR/helpers"
        sk_put "$SK_DIR/cookie" "$SK_COOKIE"
        sk_start_wrapper || sk_fail no-setsid
        [ "${SK_FAULT:-}" = remote-after-start ] && exit 0
    fi
    # Confirm the start: the job writes its identity itself, or the wrapper records an early exit.
    _n=0
    while [ $_n -lt 300 ]; do
        [ -f "$SK_DIR/starttime" ] || [ -f "$SK_DIR/exit" ] && break
        [ $_n -gt 20 ] && ! sk_wrapper_alive && [ -f "$SK_DIR/wrapper" ] && break
        sk_nap 0.02
        _n=$((_n + 1))
    done
    _warn=
    sk_logind_kills && _warn=" warn=logind-kill-user-processes"
    sk_reply "launched id=$SK_ID fresh=$SK_FRESH$_warn"
    sk_report "$SK_ID"
}

sk_status() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    sk_report "$SK_ID"
}

sk_list() {
    sk_base
    [ -d "$SK_BASE" ] || return 0
    for SK_DIR in "$SK_BASE"/*; do
        [ -d "$SK_DIR" ] || continue
        _id=${SK_DIR##*/}
        case $_id in '' | *[!a-z0-9-]* | -*) continue ;; esac
        sk_owned "$SK_DIR" || continue
        sk_report "$_id"
    done
}

# A process of the job's group still carries the job's cookie: the group is ours to signal.
sk_group_has_job() {
    for _st in /proc/[0-9]*/stat; do
        _pp=${_st%/stat}
        sk_proc "${_pp#/proc/}" || continue
        [ "$SK_PGRP" = "$1" ] && [ "$SK_STATE" != Z ] || continue
        sk_has_cookie "${_pp#/proc/}" && return 0
    done
    return 1
}

# sk_target_group: the process group this job's signals may go to, decided from live /proc state,
# never from the identity files alone (see sk_ours). The job leads its own session, so its group
# is its own pid: the process the pid file names must be the job, in group = session = pid, and
# the pgid file must say the same. Once the leader is gone its group lives on while a member does
# (the kernel reuses no pid that names a live group), and a member must carry the job's cookie;
# for the same reason a live process at that pid that is not the job means no group of the job
# has that number.
# Sets SK_TG; returns 0 to signal, 1 when nothing of the job is alive, 2 when the recorded and
# the live identity disagree (then nothing may be signalled).
sk_target_group() {
    SK_TG=
    _tp=$(sk_small "$SK_DIR/pid") _tg=$(sk_small "$SK_DIR/pgid")
    sk_isnum "$_tp" && [ "$_tp" -gt 1 ] || return 1
    if sk_proc "$_tp" && [ "$SK_STATE" != Z ]; then
        if ! sk_ours "$_tp"; then
            # The pid file names someone else: while the wrapper lives, so does the job, elsewhere.
            sk_wrapper_alive && return 2
            return 1
        fi
        [ "$SK_PGRP" = "$_tp" ] && [ "$SK_SID" = "$_tp" ] && [ "$_tg" = "$_tp" ] || return 2
    else
        sk_group_has_job "$_tp" || return 1
        [ "$_tg" = "$_tp" ] || return 2
    fi
    SK_TG=$_tp
}

# sk_signal_group SIG: re-checks the identity, then signals the job's group; same returns.
# dash needs "--" before a negative pid, BusyBox ash takes "--" for a pid (and fails): ask once.
sk_signal_group() {
    sk_target_group || return $?
    if [ -z "${SK_KILL_DD:-}" ]; then
        SK_KILL_DD=0
        kill -s 0 -- $$ 2>/dev/null && SK_KILL_DD=1
    fi
    if [ "$SK_KILL_DD" = 1 ]; then
        kill -s "$1" -- "-$SK_TG" 2>/dev/null || return 1
    else
        kill -s "$1" "-$SK_TG" 2>/dev/null || return 1
    fi
}

# sk_not_permitted: the job is alive and ours (SK_TG set), but this user may signal no process of
# its group: they run under other ids (a setuid program that kept root's, say). Signal 0 asks the
# kernel for exactly that permission. Call after sk_signal_group failed with 1.
sk_not_permitted() {
    sk_target_group || return 1
    if [ "${SK_KILL_DD:-1}" = 1 ]; then
        ! kill -s 0 -- "-$SK_TG" 2>/dev/null
    else
        ! kill -s 0 "-$SK_TG" 2>/dev/null
    fi
}

# One signal to the job's group (kill --signal), identity checked, no escalation.
sk_send() {
    case $SK_SIGNAL in '' | *[!A-Z0-9]*) sk_fail bad-request ;; esac
    sk_signal_group "$SK_SIGNAL"
    case $? in
        0) sk_reply "kill signalled=$SK_SIGNAL" ;;
        2) sk_reply "kill signalled=none refused=identity-mismatch" ;;
        *)
            if sk_not_permitted; then
                sk_reply "kill signalled=none refused=not-permitted"
            else
                # Alive a moment ago and still alive: the shell did not know that signal.
                sk_target_group && sk_fail bad-signal
                sk_reply "kill signalled=none"
            fi
            ;;
    esac
    sk_report "$SK_ID"
}

sk_kill() {
    sk_jobdir "$SK_ID"
    if [ -n "${SK_SIGNAL:-}" ]; then
        sk_send
        return
    fi
    sk_isnum "$SK_GRACE" || sk_fail bad-request
    sk_signal_group TERM
    case $? in
        0) _sig=TERM ;;
        2)
            sk_reply "kill signalled=none refused=identity-mismatch"
            sk_report "$SK_ID"
            return
            ;;
        *)
            if sk_not_permitted; then
                sk_reply "kill signalled=none refused=not-permitted"
            else
                sk_reply "kill signalled=none"
            fi
            sk_report "$SK_ID"
            return
            ;;
    esac
    _n=0 _limit=$((SK_GRACE * 10)) _rc=0
    while [ $_n -lt $_limit ]; do
        sk_target_group || break
        sk_nap 0.1
        _n=$((_n + 1))
    done
    # Re-check the identity in this same round trip before escalating.
    sk_signal_group KILL
    case $? in
        0) _sig=KILL ;;
        2) _rc=2 ;;
    esac
    _n=0
    while [ $_n -lt 100 ] && ! sk_exit_record; do
        sk_wrapper_alive || break
        sk_nap 0.05
        _n=$((_n + 1))
    done
    if [ $_rc = 2 ]; then
        sk_reply "kill signalled=$_sig refused=identity-mismatch"
    else
        sk_reply "kill signalled=$_sig"
    fi
    sk_report "$SK_ID"
}

sk_rm() {
    sk_jobdir "$SK_ID"
    sk_state
    case $SK_LINE in
        state=running* | state=starting*) sk_fail job-running ;;
    esac
    # A lost job whose wrapper still lives is still somebody's job: keep it.
    sk_wrapper_alive && sk_fail job-running
    rm -rf -- "$SK_DIR" || sk_fail rm-failed
    sk_reply "removed id=$SK_ID"
}

# Removes finished jobs older than SK_AGE seconds; anything that may still run is kept.
sk_gc() {
    sk_base
    sk_isnum "$SK_AGE" || sk_fail bad-request
    [ -d "$SK_BASE" ] || return 0
    _now=$(date +%s)
    for SK_DIR in "$SK_BASE"/*; do
        [ -d "$SK_DIR" ] || continue
        _id=${SK_DIR##*/}
        case $_id in '' | *[!a-z0-9-]* | -*) continue ;; esac
        sk_owned "$SK_DIR" || continue
        sk_state
        case $SK_LINE in
            state=running* | state=starting*) continue ;;
        esac
        sk_wrapper_alive && continue
        # shellcheck disable=SC2086
        set -- $SK_LINE
        _when=$(sk_small "$SK_DIR/created")
        for _f in "$@"; do
            case $_f in ended=*) _when=${_f#ended=} ;; esac
        done
        sk_isnum "$_when" || continue
        [ $((_now - _when)) -ge "$SK_AGE" ] || continue
        rm -rf -- "$SK_DIR" && sk_reply "removed id=$_id"
    done
}

# The live stream of a job's output. Frames "@@SKD S offset len" + bytes + "@@SKE", where the
# token S names the stream: o (stdout) and e (stderr) in layout 2, l (the one log) in layout 1;
# heartbeats "@@SKH O E" with what was sent of each; then done, more or caught with the layout
# and both offsets.
# One credit covers both streams, on the sum of their offsets: it starts at the offsets' sum +
# SK_MAX, and with SK_CREDIT=1 the client raises it by writing "@@SKC sum" lines on stdin, so one
# helper streams any amount in bounded memory; otherwise (or once stdin ends) the helper stops at
# the credit with "more". Each tick sends stdout's new bytes before stderr's.
#
# The streams: slot a (token _ta, file _fa, offset _oa, size _sa, known _ka) is stdout or the
# log; slot b is stderr, empty (_fb=) in layout 1.
sk_slots() {
    SK_KNOWN=${SK_KNOWN:-0} SK_KNOWN_E=${SK_KNOWN_E:-0} SK_KNOWN_L=${SK_KNOWN_L:-0}
    SK_OFFSET_E=${SK_OFFSET_E:-0} SK_OFFSET_L=${SK_OFFSET_L:-0}
    for _v in "$SK_OFFSET" "$SK_OFFSET_E" "$SK_OFFSET_L" "$SK_KNOWN" "$SK_KNOWN_E" "$SK_KNOWN_L"; do
        sk_isnum "$_v" || sk_fail bad-request
    done
    if [ "$SK_LAYOUT" = 1 ]; then
        _ta=l _fa=$SK_DIR/log _oa=$SK_OFFSET_L _ka=$SK_KNOWN_L
        _tb= _fb= _ob=0 _kb=0 _sb=0
    else
        _ta=o _fa=$SK_DIR/out _oa=$SK_OFFSET _ka=$SK_KNOWN
        _tb=e _fb=$SK_DIR/err _ob=$SK_OFFSET_E _kb=$SK_KNOWN_E
    fi
}

# sk_sizes: sets _sa and _sb to the files' sizes, refusing a file that is not a regular file or
# that is shorter than what a client already has (its offset, or what it received earlier).
sk_sizes() {
    sk_regular "$_fa" || sk_fail "tampered-${_fa##*/}"
    if [ -n "$_fb" ]; then
        sk_regular "$_fb" || sk_fail "tampered-${_fb##*/}"
        sk_wc2 "${_fa##*/}" "${_fb##*/}" || sk_fail no-log
        _sa=$_w1 _sb=$_w2
        [ "$_sb" -ge "$_ob" ] && [ "$_sb" -ge "$_kb" ] || sk_fail log-truncated
    else
        _sa=$(wc -c <"$_fa") || sk_fail no-log
    fi
    [ "$_sa" -ge "$_oa" ] && [ "$_sa" -ge "$_ka" ] || sk_fail log-truncated
}

# sk_frame TOKEN FILE OFFSET LEN: one frame of FILE's bytes [OFFSET, OFFSET+LEN).
sk_frame() {
    printf '@@SKD %s %s %s\n' "$1" "$3" "$4"
    tail -c +$(($3 + 1)) "$2" | head -c "$4"
    printf '@@SKE\n'
}

# sk_tail_start FILE SIZE: the offset of FILE's last SK_TAIL lines (of what it holds now).
sk_tail_start() {
    _t=$(($2 - $(tail -n "$SK_TAIL" "$1" | wc -c)))
    [ "$_t" -ge 0 ] || _t=0
    echo "$_t"
}

sk_offsets() { printf 'layout=%s o=%s e=%s' "$SK_LAYOUT" "$_oa" "$_ob"; }

# sk_send_frames: sends what the credit allows of both streams; _moved=1 when anything was sent.
sk_send_frames() {
    _moved=0
    _room=$((_credit - _oa - _ob))
    if [ "$_sa" -gt "$_oa" ] && [ "$_room" -gt 0 ]; then
        _len=$((_sa - _oa))
        [ $_len -gt 8388608 ] && _len=8388608
        [ "$_room" -lt $_len ] && _len=$_room
        sk_frame "$_ta" "$_fa" "$_oa" "$_len"
        _oa=$((_oa + _len)) _room=$((_room - _len)) _moved=1
    fi
    if [ -n "$_fb" ] && [ "$_sb" -gt "$_ob" ] && [ "$_room" -gt 0 ]; then
        _len=$((_sb - _ob))
        [ $_len -gt 8388608 ] && _len=8388608
        [ "$_room" -lt $_len ] && _len=$_room
        sk_frame "$_tb" "$_fb" "$_ob" "$_len"
        _ob=$((_ob + _len)) _moved=1
    fi
}

# sk_credit_reader FILE: copies the client's "@@SKC sum" lines from stdin into FILE (atomically),
# and "eof" when stdin ends. Runs in the background: POSIX sh cannot poll stdin without blocking.
sk_credit_reader() {
    while IFS= read -r _l; do
        _v=${_l#@@SKC }
        [ "$_v" != "$_l" ] && sk_isnum "$_v" || continue
        rm -f "$1.t" && printf '%s\n' "$_v" >"$1.t" && mv -f "$1.t" "$1"
    done
    rm -f "$1.t" && printf 'eof\n' >"$1.t" && mv -f "$1.t" "$1"
}

sk_stream() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    sk_isnum "$SK_OFFSET" && sk_isnum "$SK_MAX" && sk_isnum "$SK_HB_MS" && sk_isnum "$SK_TTL" || sk_fail bad-request
    case $SK_CLIENT in '' | *[!a-z0-9-]*) sk_fail bad-request ;; esac
    sk_slots
    mkdir -p "$SK_DIR/helpers"
    # At most one helper per job and client: end the previous one, identity checked.
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/helpers/$SK_CLIENT")
    if [ $# -eq 2 ] && [ "$1" != "$$" ] && sk_proc "$1" && [ "$SK_START" = "$2" ]; then
        kill "$1" 2>/dev/null
    fi
    sk_proc $$ && sk_put "$SK_DIR/helpers/$SK_CLIENT" "$$ $SK_START"
    _quiet=0 _d=1 _beats=0 _cf=
    sk_sizes
    if sk_isnum "${SK_TAIL:-}"; then
        _oa=$(sk_tail_start "$_fa" "$_sa")
        [ -n "$_fb" ] && _ob=$(sk_tail_start "$_fb" "$_sb")
    fi
    _credit=$((_oa + _ob + SK_MAX))
    if [ "${SK_CREDIT:-0}" = 1 ]; then
        _cf=$SK_DIR/helpers/$SK_CLIENT.credit
        rm -f "$_cf"
        # An asynchronous list gets /dev/null as stdin unless it names another descriptor.
        exec 3<&0
        sk_credit_reader "$_cf" <&3 >/dev/null 2>&1 &
        _rd=$!
        exec 3<&-
        trap 'kill "$_rd" 2>/dev/null; rm -f "$_cf" "$_cf.t"; sk_bye' EXIT
        trap 'exit 0' TERM HUP PIPE
    fi
    sk_reply "stream id=$SK_ID $(sk_offsets)"
    _deadline=$(($(date +%s) + SK_TTL))
    while :; do
        if [ -n "$_cf" ]; then
            _c=
            read -r _c <"$_cf" 2>/dev/null
            if [ "$_c" = eof ]; then
                _cf=
            elif sk_isnum "$_c" && [ "$_c" -gt "$_credit" ]; then
                _credit=$_c
            fi
        fi
        if [ -z "$_cf" ] && [ $((_oa + _ob)) -ge "$_credit" ]; then
            sk_reply "more $(sk_offsets)"
            return
        fi
        sk_sizes
        sk_send_frames
        if [ $_moved = 1 ]; then
            _quiet=0 _d=1 _beats=$((_beats + 1))
            # A job that never pauses keeps this loop from its heartbeats: renew here too, well
            # before the watchdog's deadline.
            if [ $((_beats % 16)) -eq 0 ] && [ "$(date +%s)" -ge "$_deadline" ]; then
                sk_reply "more $(sk_offsets)"
                return
            fi
            continue
        fi
        # Nothing to send, or waiting for credit: only heartbeats until the client catches up.
        _all=0
        [ "$_sa" -le "$_oa" ] && [ "$_sb" -le "$_ob" ] && _all=1
        if [ $_all = 1 ]; then
            if [ "${SK_ONCE:-0}" = 1 ]; then
                sk_reply "caught $(sk_offsets)"
                return
            fi
            if sk_exit_record; then
                # The exit record is written after the job ended: one more look at the sizes.
                sk_sizes
                [ "$_sa" -gt "$_oa" ] || [ "$_sb" -gt "$_ob" ] && continue
                sk_reply "done $(sk_offsets) $SK_EXIT"
                return
            fi
        fi
        if [ $_quiet -ge "$SK_HB_MS" ]; then
            printf '@@SKH %s %s\n' "$_oa" "$_ob" || exit 0
            _quiet=0 _beats=$((_beats + 1))
            if [ "$(date +%s)" -ge "$_deadline" ]; then
                sk_reply "more $(sk_offsets)"
                return
            fi
            if [ $_all = 1 ] && ! sk_job_alive && ! sk_wrapper_alive && ! sk_exit_record; then
                sk_report "$SK_ID"
                sk_reply "done $(sk_offsets) $SK_LINE"
                return
            fi
        fi
        case $_d in
            1) sk_nap 0.01 && _quiet=$((_quiet + 10)) _d=2 ;;
            2) sk_nap 0.03 && _quiet=$((_quiet + 30)) _d=3 ;;
            3) sk_nap 0.06 && _quiet=$((_quiet + 60)) _d=4 ;;
            *) sk_nap 0.1 && _quiet=$((_quiet + 100)) ;;
        esac
    done
}

# The job's stdin, uploaded into its spool (the file in, read by the wrapper's feeder). One call:
# the reply "upload id=ID in=N eof=N|- ended=0|1" says how much the spool holds; unless it is
# complete (eof) or the job has ended, the client then sends the bytes from N on and closes its
# side, cat appends them, "acked in=N" lines say what the spool holds meanwhile (with ended=1 once
# the job has ended), and "uploaded in=N eof=N|-" says what it holds at the end. With
# SK_IN_END=N the spool is complete once it holds N bytes (in.eof, by rename); with SK_IN_CLOSE=1
# it is closed at whatever it holds (its source is gone). One writer at a time: a new call ends
# the previous one (identity checked) and waits until it can write no more, so bytes of a call
# cut off long ago can never land after the size this call reports. Nothing is appended twice or
# skipped, because the client always sends from the size it is told.
sk_upload() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    [ "$(sk_small "$SK_DIR/stdin")" = spool ] || sk_fail no-stdin
    sk_regular "$SK_DIR/in" || sk_fail tampered-in
    [ -z "${SK_IN_END:-}" ] || sk_isnum "$SK_IN_END" || sk_fail bad-request
    sk_end_uploader || sk_fail uploader-busy
    _i=$(wc -c <"$SK_DIR/in") || sk_fail tampered-in
    _e=$(sk_small "$SK_DIR/in.eof")
    sk_isnum "$_e" || _e=-
    if [ "$_e" = - ] && { [ "${SK_IN_CLOSE:-0}" = 1 ] || [ "${SK_IN_END:-x}" = "$_i" ]; }; then
        sk_put "$SK_DIR/in.eof" "$_i"
        _e=$_i
    fi
    _x=0
    sk_exit_record && _x=1
    if [ "$_e" != - ] || [ $_x = 1 ] || [ "${SK_IN_CLOSE:-0}" = 1 ]; then
        sk_reply "upload id=$SK_ID in=$_i eof=$_e ended=$_x"
        return
    fi
    # cat in the background with the channel as its stdin (an asynchronous list would get
    # /dev/null), registered with the call before the reply invites any byte.
    exec 3<&0
    cat <&3 >>"$SK_DIR/in" &
    _cat=$!
    exec 3<&-
    sk_proc "$_cat" && _cs=$SK_START || _cs=0
    sk_proc $$ && sk_put "$SK_DIR/uploader" "$$ $SK_START $_cat $_cs"
    sk_reply "upload id=$SK_ID in=$_i eof=- ended=0"
    # While cat runs: what the spool holds, whenever it grew (the client frees those bytes and
    # sends more), and once the job has ended, so the client stops sending what nobody will read.
    _x=
    while sk_proc "$_cat" && [ "$SK_STATE" != Z ]; do
        sk_nap 0.05
        _n=$(wc -c <"$SK_DIR/in") || break
        [ -z "$_x" ] && sk_exit_record && _x=" ended=1" && _i=-1
        if [ "$_n" != "$_i" ]; then
            sk_reply "acked in=$_n${_x}"
            _i=$_n
        fi
    done
    wait "$_cat"
    _i=$(wc -c <"$SK_DIR/in") || sk_fail tampered-in
    if [ "${SK_IN_END:-x}" = "$_i" ]; then
        sk_put "$SK_DIR/in.eof" "$_i"
        _e=$_i
    fi
    sk_reply "uploaded in=$_i eof=$_e${_x}"
}

# sk_end_uploader: the previous upload call (its sh and its cat, each checked by start time) is
# ended and gone, or a zombie: either way it holds the spool no more. Fails if it will not go.
sk_end_uploader() {
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/uploader")
    [ $# -eq 4 ] || return 0
    _u=
    for _p in "$1:$2" "$3:$4"; do
        if sk_proc "${_p%%:*}" && [ "$SK_START" = "${_p#*:}" ] && [ "$SK_STATE" != Z ] && [ "${_p%%:*}" != $$ ]; then
            kill -s KILL "${_p%%:*}" 2>/dev/null
            _u="$_u $_p"
        fi
    done
    _n=0
    while [ -n "$_u" ]; do
        set -- $_u
        _u=
        for _p in "$@"; do
            sk_proc "${_p%%:*}" && [ "$SK_START" = "${_p#*:}" ] && [ "$SK_STATE" != Z ] && _u="$_u $_p"
        done
        [ -z "$_u" ] && return 0
        [ $_n -ge 250 ] && return 1
        sk_nap 0.02
        _n=$((_n + 1))
    done
    return 0
}

# sk_watchdog SECONDS: every call is bounded on the target itself. Past its deadline the runner's
# process group is killed, whatever it is blocked on: sshd made that group for this call alone
# (the runner and what it started; wrappers and jobs run in sessions of their own). Closing the
# channel from the client ends nothing here, so this is what keeps a stuck call from lingering.
# Outside a group of its own (a test's local shell) the runner is not bounded.
sk_watchdog() {
    SK_WD=
    sk_isnum "$1" && [ "$1" -gt 0 ] || return 0
    sk_proc $$ && [ "$SK_PGRP" = $$ ] || return 0
    # sk_bye's TERM may come at any point: before the trap is set it ends the subshell before its
    # sleep exists; between the sleep's start and "_s=$!" it is only noted, and the sleep is ended
    # as soon as its pid is known, so no sleep outlives a call. The sleep gets KILL, not TERM: a
    # forked child still runs the shell's handler until it execs, and a TERM caught there is lost
    # (seen once under BusyBox ash on a loaded machine: a sleep left for the whole deadline).
    (
        _s= _t=
        trap '_t=1; [ -n "$_s" ] && { kill -s KILL "$_s" 2>/dev/null; exit 0; }' TERM
        sleep "$1" &
        _s=$!
        [ -n "$_t" ] && { kill -s KILL "$_s" 2>/dev/null; exit 0; }
        wait "$_s" && kill -s KILL -- "-$SK_PGRP"
    ) </dev/null >/dev/null 2>&1 &
    SK_WD=$!
}

# Ends the watchdog (on every exit, sk_fail's included).
sk_bye() {
    [ -n "${SK_WD:-}" ] && kill "$SK_WD" 2>/dev/null
    SK_WD=
}

sk_main() {
    # Job directories and their files are private (0700/0600): env may hold secrets. The job
    # itself gets the login's own umask back, as it would under plain ssh.
    SK_USER_UMASK=$(umask)
    umask 077
    # The POSIX sh that runs wrappers and jobs' preludes; tests point it at bash or BusyBox ash.
    SK_INTERP=${SESSIONKEEPER_INTERP:-/bin/sh}
    # Our own tools come from the system's directories first; the job gets the login's PATH back
    # (the wrapper's third argument), then its own environment, at its final exec only.
    SK_LOGIN_PATH=${PATH-}
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin${PATH:+:$PATH}
    export PATH
    # End any partial noise line the login shell may have printed without a newline.
    printf '\n'
    trap sk_bye EXIT
    _dl=120
    case $SK_VERB:${SK_GRACE:-}:${SK_TTL:-} in
        upload:*) _dl=900 ;;
        kill:[0-9]*) sk_isnum "$SK_GRACE" && [ ${#SK_GRACE} -le 6 ] && _dl=$((120 + SK_GRACE)) ;;
        stream:*:[0-9]*) sk_isnum "$SK_TTL" && [ ${#SK_TTL} -le 6 ] && _dl=$((120 + SK_TTL)) ;;
        gc:* | list:*) _dl=600 ;;
    esac
    sk_watchdog "${SK_DEADLINE:-$_dl}"
    # Test hook: a call stuck on the target (as a read of a FIFO once was), for the watchdog to end.
    [ "${SK_FAULT:-}" = remote-stuck ] && sleep 2147483647
    case $SK_VERB in
        launch) sk_launch ;;
        status) sk_status ;;
        list) sk_list ;;
        kill) sk_kill ;;
        rm) sk_rm ;;
        gc) sk_gc ;;
        stream) sk_stream ;;
        upload) sk_upload ;;
        *) sk_fail unknown-verb ;;
    esac
    sk_reply end
}
