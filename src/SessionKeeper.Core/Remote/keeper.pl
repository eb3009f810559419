# SessionKeeper job wrapper, fast tier (perl 5.10+, core modules only), job directory layout 3
# where it makes the directory itself (run and serve modes), layout 2 where the runner made it.
#
# Usage: perl DIR/keeper.pl DIR ID LOGIN_PATH RESET (written to DIR by the runner's sk_launch, which
# has made DIR, its start.lock and the request's files; the cookie comes in SK_LAUNCH_COOKIE).
#
# Or, for the run verb (the runner's sk_run_fast): perl -e BOOT run BASE ID LOGIN_PATH RESET WARN
# DEADLINE STREAM_ARGS..., where BOOT compiles this program from the environment variable SK_KEEPER
# and this program takes stream.pl's from SK_STREAM_TOOL (both out of the environment at once, so
# neither the wrapper nor the job inherits them): the runner's sh exports them as they are, where
# passing them as arguments made it copy their 30 KB a byte at a time, twice. The request's values
# are in SK_LAUNCH_* variables. Then this
# one process is the whole call on the target, and nothing else is exec'd for it: alarm(DEADLINE) in
# place of the runner's watchdog; mkdir BASE/ID (the atomic create is the launch's key, as in
# sk_launch; a directory that exists already, a retried launch, is left to the runner: "declined" on
# fd 3, nothing done), proto (layout 3: the settings in it), start.lock and the request's files
# (cmd; cwd, env and shell when not empty); the launch below; the replies
# launched and status on stdout (the channel); then stream.pl compiled in this
# process with STREAM_ARGS, the same process as the stream helper. The wrapper is the grandchild of a
# double fork (nobody's child in the call once its parent has ended at once), and its
# command line is rewritten to "perl DIR/keeper.pl DIR", the one sk_wrapper_alive knows. On fd 3 it
# tells the runner how far it went: "declined"; "files" (DIR and its files made, nothing started:
# the sh wrapper starts the job); "error" (no fork); "report" (started, not seen running: the
# runner reports and streams); "launched" (replies sent), then stream.pl's own words.
#
# The launcher (this process, in the runner's call) writes helpers (layout 2: created and cookie too), forks the
# wrapper and waits until the job has recorded its identity and exec'd its command; then it prints
# the job's status line (the one sk_report prints) on stdout and ends. If it prints nothing, nothing
# was started (a perl that cannot compile this), and the runner starts the POSIX tier's wrapper.sh.
#
# The wrapper: setsid, fds 0 and 1 on /dev/null and 2 on wrapper.err (a descriptor left on the
# channel keeps sshd from closing it), "pid starttime" in wrapper; forks the job, which setsid()s,
# gets INT and QUIT (RESET) back at their default, records signals, pid, pgid, boot_id and
# starttime (last, by rename; layout 3: all in ident, by rename), sends them to the launcher on the
# start pipe (the launch's status line is built from them and the request in memory, nothing read
# back) and becomes "$shell -c $cmd" in its cwd, umask and environment (from memory). The
# wrapper is the job's parent and reaps it itself: waitpid gives the raw wait status (exit 143 and
# SIGTERM stay apart) and, unreaped, the job's pid cannot be reused, so a --timeout kill of its
# group cannot reach a stranger. Without a --timeout or a stdin spool it blocks in waitpid until
# the job ends, no other system call, no tick. With one, it sleeps in select() (supervise): it
# wakes when the job ends (a pidfd, Linux 5.3+; elsewhere SIGCHLD through a self-pipe, with a 1 s
# tick against the signal arriving just before select), at a --timeout or grace deadline, and
# while it feeds the job's stdin from the spool (stdin=spool: in, complete at the size in.eof
# names). Then it writes the exit record as wrapper.sh does ("v1 KIND CODE SIGNAL TIMEDOUT ENDED").
#
# Start-up cost: every job pays this script's start on its target, so it loads no module it can do
# without. POSIX alone costs about 9 ms of CPU to load, as much as the rest of the script, and Fcntl
# about 3: where the architecture is known (x86_64, aarch64, read from the ELF header of
# /proc/self/exe) POSIX's four calls are made as system calls and Fcntl's flags are constants,
# elsewhere both are loaded. Time::HiRes is loaded for a
# --timeout only, Errno only when a stdin write fails; warnings are on through $^W (as perl -w),
# which costs nothing, rather than warnings.pm, which costs 2 ms. Nor is strict.pm loaded here
# (about 0.4 ms of CPU, its search through @INC included): the unit tests compile this script
# with perl -Mstrict (ScriptStrictnessTests), so it stays strict-clean without paying that per job.
# Compiling costs too, about 0.2 ms of CPU per KB of code here (4 ms for this file as it was
# before its rarer parts were compiled on first need, 2.6 of them above perl -e ''): the parts no
# common job needs are compiled when a job does (lazy_subs), and the build sends the
# text they are compiled from stripped as code (ScriptStripper.Perl), not as written.
use 5.010;
BEGIN { $^W = 1 }

my $run = @ARGV && $ARGV[0] =~ /\A(?:run|serve)\z/ ? shift @ARGV : '';
my ($d, $id, $lpath, $reset, $base, $warn, $deadline, $stream_tool, @stream_args, %req, $runner, $now);
# What the resident launcher reads once for all its launches: the length of its command line (the
# wrapper's title fills it) and the boot id (the job's identity record holds it).
my ($cmdline_len, $boot_id);
# Compiled on first need (lazy_subs), not by every job's perl: the run verb and the wrapper never
# call the resident launcher's and watcher's subs below (serve, watch, watch_one, watch_exit,
# watch_wrapper_alive), a third of this file, and compiling them cost each foreground run's target
# about 1 ms of CPU. They see this file's lexicals declared above as subs written out here would
# (lazy_subs, a named sub of this file, evaluates them); ScriptStrictnessTests compile the text
# in place, with -Mstrict -w. Launch and run requests do not even send the text: the client leaves
# $serve_text undefined in what they carry (RunnerRequest.KeeperLaunchScript), since every byte of
# a payload costs its target's sh too; only the serve request sends this file whole.
#
# The resident launcher (serve mode): perl -e PROGRAM serve LOGIN_PATH UMASK WARN TTL, exec'd by the
# runner's sk_serve on a channel of the daemon's pooled connection that stays open. It says
# "@@SKR ready", then reads launch requests on stdin, one line each: "launch ID" and, each as "x"
# and its hex, the cookie, cmd, cwd, env, shell, timeout, grace and stdin mode. Each request is done
# by a child of its own, exactly as the run verb's launch does it (mkdir of the job directory as the
# key, the request's files, the double-forked wrapper), and the child prints the replies the runner's
# launch prints ("@@SK2 launched ...", "@@SK2 status ..."); then this process says how far the child
# went, "@@SKR WORD" (run mode's words on fd 3: "launched" with the replies sent; "declined" with
# nothing made, an existing directory above all, left to the runner's launch; "files", "report" or
# "error" otherwise), and reads the next. No login shell, no sh parse and no perl compile per launch.
# It ends at end-of-file on stdin (the channel or the connection closed) or after TTL seconds
# without a request; whoever reads its replies has the request's child to thank for them, so a
# launch under way when the reader goes still ends as it would have (the job directory is the key).
# A launch's child is the wrapper's parent itself (no double fork, one fork of this process fewer):
# it ends once its replies are out, so the wrapper is nobody's child in this process tree from then
# on, and never this process's; the child's alarm bounds the launch, not the wrapper.
#
# The resident watcher: a serve process (a channel of its own on the pooled connection) whose
# first request is "watch" watches jobs for the daemon's supervision from then on, in place of an
# exec channel and a stream helper per job (no process is started per job). Requests, one line
# each: "watch ID O E" (the job's stdout and stderr as far as the daemon's mirror holds them),
# "unwatch ID", and "beat" (the daemon is there). Each watched job is looked at on every pass (a
# tick that backs off from 10 ms to 250 ms, and at most 5000 jobs a second), and answered once,
# "@@SKW ID WORD", when there is something the daemon must do:
#   done layout=2 o=O e=E FIELDS  the job's exit record (FIELDS as stream.pl's done reply says it),
#                                 and nothing beyond O and E in its logs: its end, whole;
#   output                        its logs hold more than O or E: the daemon streams them;
#   check                         anything else: not a job directory of this user's of layout 3, a
#                                 file not a regular one (sk_tampered's list), logs shorter than the
#                                 mirror, its stdin spool open, or no live wrapper (identity checked
#                                 as stream.pl's wrapper_alive does) and no exit record: the daemon
#                                 streams it over an exec channel, whose runner decides, as before.
# "@@SKW beat" every second tells the daemon the link works. It ends at end-of-file on stdin, when
# its channel's write fails, or after TTL seconds without a request line (the daemon's beat lines
# keep it while the daemon is there): a black-holed link leaves it a bounded life.
my $serve_text = <<'LAZY';
sub serve {
    my ($login_path, $umask, $warning, $ttl) = @_;
    $ttl = 300 unless defined $ttl && $ttl =~ /\A[1-9][0-9]{0,6}\z/;
    $| = 1;
    # The same for every launch's child, a fork of this process: read here, not once per launch.
    if (open(my $cl, '<', '/proc/self/cmdline')) {
        local $/;
        $cmdline_len = length(<$cl> // '');
    }
    $boot_id = slurp('/proc/sys/kernel/random/boot_id');
    $SIG{PIPE} = 'DEFAULT';
    print "\@\@SKR ready\n";
    my $line = '';
    while (1) {
        my $rin = '';
        vec($rin, 0, 1) = 1;
        # Idle for TTL: gone, whatever the connection says (a black-holed one never closes stdin).
        if (index($line, "\n") < 0) {
            my $n = select(my $rout = $rin, undef, undef, $ttl);
            exit 0 if $n == 0;
            next if $n < 0;
            my $got = sysread(STDIN, $line, 1 << 20, length $line);
            exit 0 unless $got;
            next if index($line, "\n") < 0;
        }
        my $request = substr($line, 0, index($line, "\n") + 1, '');
        chomp $request;
        my @f = split / /, $request, -1;
        # A watch request makes this process the connection's resident watcher for good.
        watch($request, $line, $ttl) if @f && $f[0] eq 'watch';
        if (@f != 10 || $f[0] ne 'launch' || $f[1] !~ /\A[a-z0-9][a-z0-9-]{0,63}\z/ || grep { !/\Ax(?:[0-9a-f]{2})*\z/ } @f[2 .. 9]) {
            print "\@\@SKR malformed\n";
            next;
        }
        my @v = map { pack('H*', substr($_, 1)) } @f[2 .. 9];
        pipe(my $word_r, my $word_w) or do { print "\@\@SKR error\n"; next };
        my $child = fork;
        if (!defined $child) {
            print "\@\@SKR error\n";
            next;
        }
        if ($child == 0) {
            close $word_r;
            # The run verb's launch, in this child: its globals, then on below as run mode goes.
            $id = $f[1];
            # sk_base's directory; without HOME and XDG_STATE_HOME, none: declined (the runner says why).
            my $home = defined $ENV{XDG_STATE_HOME} && $ENV{XDG_STATE_HOME} ne '' ? $ENV{XDG_STATE_HOME}
                : defined $ENV{HOME} && $ENV{HOME} ne '' ? "$ENV{HOME}/.local/state" : '';
            $base = $home eq '' ? '' : "$home/sessionkeeper/jobs";
            $d = "$base/$id";
            $lpath = $login_path;
            $reset = 'INT,QUIT';
            $warn = $warning;
            $ENV{SK_LAUNCH_COOKIE} = $v[0];
            @req{qw(cmd cwd env shell)} = @v[1 .. 4];
            $req{limits} = "$v[5] $v[6]";
            $req{umask} = $umask;
            $req{stdin} = $v[7];
            $runner = $word_w;
            # Bounded as a runner's call is.
            alarm 120;
            return;
        }
        close $word_w;
        waitpid($child, 0);
        my $word = '';
        1 while sysread($word_r, $word, 64, length $word);
        close $word_r;
        ($word) = $word =~ /\A([a-z]+)/;
        print "\@\@SKR ", $word // 'error', "\n";
    }
}
sub watch {
    my ($first, $line, $ttl) = @_;
    my $home = defined $ENV{XDG_STATE_HOME} && $ENV{XDG_STATE_HOME} ne '' ? $ENV{XDG_STATE_HOME}
        : defined $ENV{HOME} && $ENV{HOME} ne '' ? "$ENV{HOME}/.local/state" : '';
    my $jobs = "$home/sessionkeeper/jobs";
    # Told apart from the launchers in ps: "perl -e '' watch", NUL-padded to the arguments' length
    # as the wrapper's title is (serve read it), so the kernel shows the words whole.
    my $title = "perl\0-e\0\0watch\0";
    $0 = $title . ("\0" x ($cmdline_len - length $title)) if defined $cmdline_len && $cmdline_len > length $title;
    my (%w, @queue);
    my ($heard, $beat, $tick) = (time, 0, 0.25);
    @queue = ($first);
    while (1) {
        while (@queue || index($line, "\n") >= 0) {
            my $r = @queue ? shift @queue : substr($line, 0, index($line, "\n") + 1, '');
            chomp $r;
            $heard = time;
            my @f = split / /, $r, -1;
            if (@f == 4 && $f[0] eq 'watch' && $f[1] =~ /\A[a-z0-9][a-z0-9-]{0,63}\z/ && "$f[2] $f[3]" =~ /\A[0-9]{1,18} [0-9]{1,18}\z/) {
                $w{$f[1]} = [$f[2], $f[3]];
                $tick = 0.01;
            }
            elsif (@f == 2 && $f[0] eq 'unwatch') {
                delete $w{$f[1]};
            }
            elsif ($r ne 'beat') {
                print "\@\@SKW malformed\n";
            }
        }
        for my $id (keys %w) {
            next if $home eq '';
            my $word = watch_one("$jobs/$id", @{$w{$id}}) // next;
            print "\@\@SKW $id $word\n";
            delete $w{$id};
        }
        if (time != $beat) {
            $beat = time;
            print "\@\@SKW beat\n";
        }
        exit 0 if time - $heard >= $ttl;
        my $wait = %w ? $tick : 1;
        $wait = keys(%w) / 5000 if $wait < keys(%w) / 5000;
        $wait = 1 if $wait > 1;
        $tick = $tick * 2 < 0.25 ? $tick * 2 : 0.25;
        my $rin = '';
        vec($rin, 0, 1) = 1;
        my $n = select(my $rout = $rin, undef, undef, $wait);
        next unless $n > 0;
        my $got = sysread(STDIN, $line, 1 << 20, length $line);
        exit 0 unless $got;
        # A line longer than any request is noise.
        $line = '' if length $line > 65536 && index($line, "\n") < 0;
    }
}

# One watched job's word (see watch), or undef while there is nothing to say.
sub watch_one {
    my ($dir, $o, $e) = @_;
    my @st = lstat $dir;
    return 'check' unless @st && -d _ && $st[4] == $<;
    my @p = split ' ', slurp("$dir/proto") // '';
    return 'check' unless @p == 8 && $p[0] eq '3';
    for (qw(proto pid pgid starttime boot_id ident created cookie wrapper cmd log out err exit exit.slot stdin in in.eof uploader)) {
        return 'check' if lstat("$dir/$_") && !-f _;
    }
    return 'check' if lstat("$dir/helpers") && !-d _;
    return 'check' if -f "$dir/in" && !-f "$dir/in.eof";
    my $sizes = sub {
        my ($so, $se) = ((lstat "$dir/out")[7], (lstat "$dir/err")[7]);
        return 'check' unless defined $so && defined $se && $so >= $o && $se >= $e;
        return $so > $o || $se > $e ? 'output' : undef;
    };
    my $said = $sizes->();
    return $said if defined $said;
    my $rec = watch_exit("$dir");
    if (!defined $rec) {
        return undef if watch_wrapper_alive($dir);
        # The wrapper may have written its record and ended since the first look.
        $rec = watch_exit("$dir") // return 'check';
    }
    # The exit record is written after the job ended: one more look at the sizes.
    return $sizes->() // "done layout=2 o=$o e=$e $rec";
}

# The exit record as stream.pl's exit_record reads and validates it (the reply's fields), or undef.
sub watch_exit {
    my ($dir) = @_;
    my $rec;
    if (-e "$dir/exit" || -l "$dir/exit") {
        $rec = slurp("$dir/exit") // '';
    }
    else {
        my $s = slurp("$dir/exit.slot") // return undef;
        ($rec) = split /\n/, $s, 2;
        return undef unless defined $rec && $rec =~ /^v1 /;
    }
    my @w = split ' ', $rec;
    return undef unless @w == 6 || (@w == 7 && $w[6] eq 'nospace');
    my ($v, $kind, $code, $sig, $to, $ended) = @w;
    return undef unless $v eq 'v1';
    for ($code, $sig) { return undef unless /^(0|[1-9][0-9]{0,2})$/; }
    return undef unless $to =~ /^[01]$/ && $ended =~ /^(0|[1-9][0-9]{0,10})$/;
    my $ok = $kind eq 'exited' ? $code <= 255 && $sig == 0
        : $kind eq 'killed' ? $sig >= 1 && $sig <= 64 && $code == 128 + $sig
        : $kind eq 'unknown' ? $code == 0 && $sig == 0
        : 0;
    return undef unless $ok;
    my $ns = @w == 7 ? ' nospace=1' : '';
    return $kind eq 'unknown'
        ? "state=lost reason=exit-status-unknown ended=$ended$ns"
        : "state=$kind code=$code signal=$sig timedout=$to ended=$ended$ns";
}

# The wrapper file names a live process, not a zombie, with its recorded start time, whose command
# line runs this directory's keeper.pl or wrapper.sh on it (stream.pl's wrapper_alive).
sub watch_wrapper_alive {
    my ($dir) = @_;
    my @w = split ' ', slurp("$dir/wrapper") // '';
    return 0 unless @w == 2 && $w[0] =~ /\A[0-9]+\z/ && $w[0] > 1;
    my $state = sub {
        my $stat = slurp("/proc/$w[0]/stat", 4096) // return ();
        $stat =~ s/.*\) //s or return ();
        return (split ' ', $stat)[0, 19];
    };
    my ($st, $start) = $state->();
    return 0 unless defined $st && $st ne 'Z' && $start eq $w[1];
    my @argv = split /\0/, slurp("/proc/$w[0]/cmdline", 65536) // '';
    return 0 unless @argv >= 3 && ($argv[1] eq "$dir/wrapper.sh" || $argv[1] eq "$dir/keeper.pl") && $argv[2] eq $dir;
    ($st, $start) = $state->();
    return defined $st && $st ne 'Z' && $start eq $w[1];
}
LAZY

# At most MAX bytes (128 by default) of FILE, a regular file, not a symlink. Read in pieces: a
# single sysread of MAX would have perl allocate MAX bytes first, whatever the file holds.
sub slurp {
    my ($file, $max) = @_;
    $max //= 128;
    return undef if -l $file || !-f _;
    open(my $fh, '<', $file) or return undef;
    my $buf = '';
    while (length $buf < $max) {
        my $want = $max - length $buf;
        my $n = sysread($fh, $buf, $want < 65536 ? $want : 65536, length $buf) // return undef;
        last if $n == 0;
    }
    return $buf;
}

sub put {
    my ($file, $text) = @_;
    my $tmp = "$file.tmp.$$";
    open(my $fh, '>', $tmp) or return 0;
    print {$fh} $text or return 0;
    close $fh or do { unlink $tmp; return 0 };
    return rename($tmp, $file);
}

# The start time of PID (field 22 of /proc/PID/stat, counted after the last ") ").
sub starttime {
    my $stat = slurp("/proc/$_[0]/stat", 4096) // return undef;
    $stat =~ s/.*\) //s or return undef;
    my @f = split ' ', $stat;
    return $f[19];
}

# The ELF machine of this perl (0 for any but a 64-bit little-endian ELF): stream.pl, compiled in
# this process in the run verb, takes it from here rather than reading /proc/self/exe again.
our $sk_machine = do {
    my $elf = '';
    if (open(my $exe, '<', '/proc/self/exe')) { sysread($exe, $elf, 20); }
    length $elf == 20 && substr($elf, 0, 6) eq "\x7fELF\x02\x01" ? unpack('v', substr($elf, 18, 2)) : 0;
};
# System call numbers of setsid, rt_sigprocmask and exit_group, and O_NOFOLLOW, by ELF machine (62:
# x86_64, 183: aarch64); undef elsewhere, where POSIX and Fcntl are loaded instead (Fcntl too costs
# about 3 ms of CPU to load; the other flags are the same on both architectures).
my $nr = {62 => [112, 14, 231, 0400000], 183 => [157, 135, 94, 0100000]}->{$sk_machine};
require POSIX unless $nr;
my %fc = $nr
    ? (GETFL => 3, SETFL => 4, NONBLOCK => 04000, RDONLY => 0, NOFOLLOW => $nr->[3])
    : do {
        require Fcntl;
        (GETFL => Fcntl::F_GETFL(), SETFL => Fcntl::F_SETFL(), NONBLOCK => Fcntl::O_NONBLOCK(), RDONLY => Fcntl::O_RDONLY(),
            NOFOLLOW => Fcntl::O_NOFOLLOW());
    };

sub new_session { return $nr ? syscall($nr->[0]) : POSIX::setsid(); }

# Ends this process at once: no END blocks, no buffers flushed twice after a fork.
sub quit { $nr ? syscall($nr->[2], $_[0] // 0) : POSIX::_exit($_[0] // 0); }

# Unblocks every signal (SIG_SETMASK, 2 on Linux, with an empty 64-bit kernel sigset).
sub unblock_all {
    my $empty = "\0" x 8;    # syscall() wants a string it may write to
    return $nr ? syscall($nr->[1], 2, $empty, 0, 8) : POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
}

# The run verb's own part of the launch (sk_launch's, for a directory this call creates): anything
# unusual (no base directory, a cwd that is not a directory, an existing job directory) is declined
# before anything is made, and the runner's sh does it all as before.
# A file of a directory this process made: written in place.
sub write_file {
    open(my $fh, '>', $_[0]) or return;
    print {$fh} $_[1];
    close $fh;
}

sub run_prepare {
    my $say = sub { syswrite($runner, "$_[0]\n"); exit 0; };
    umask 077;
    $say->('declined') unless $base =~ m{\A/};
    # Layout 3's proto holds the settings as words: anything unusual is left to the runner's sh.
    $say->('declined')
        unless $req{cookie} =~ /\A[!-~]{1,128}\z/ && $req{umask} =~ /\A[0-7]{1,4}\z/ && $req{limits} =~ /\A[0-9]{1,12} [0-9]{1,12}\z/
        && $req{stdin} =~ /\A(?:null|spool)\z/;
    if (!-d $base) {
        my $p = '';
        for (grep { length } split m{/}, $base) { $p .= "/$_"; mkdir $p; }
    }
    $say->('declined') unless -d $base && ($req{cwd} eq '' || -d $req{cwd});
    mkdir $d or $say->('declined');
    chdir $d or $say->('report');
    # Layout 3: proto first, whole (by rename), with the launch's settings, then start.lock (see the
    # runner's header). Cut before proto, the directory is completed by a retried launch as layout 2.
    $now = time;
    put('proto', "3 perl $now $req{cookie} $req{umask} $req{limits} $req{stdin}\n") or $say->('report');
    mkdir 'start.lock' or $say->('report');
    # The request's cmd; cwd, env and shell only when they are not empty (absent is empty).
    write_file('cmd', $req{cmd});
    write_file($_, $req{$_}) for grep { $req{$_} ne '' } qw(cwd env shell);
    write_file('in', '') if $req{stdin} eq 'spool';
    write_file('out', '');
    write_file('err', '');
    write_file('exit.slot', (' ' x 63) . "\n");
}

# Compiled on first need (lazy_subs), not by every job's perl: the launch of layout 2 (the
# runner's sk_launch), the wrapper's watch of a job with a --timeout or a stdin spool (supervise)
# and the job's own environment (parse_env). A foreground run of a job with none of these (the
# common one) calls none of them, and compiling them cost each such job's target about 0.4 ms of
# CPU. The resident launcher compiles them once, for all its launches. They see this file's
# lexicals declared above as subs written out here would (lazy_subs, a named sub of this file,
# evaluates them); ScriptStrictnessTests compile the text in place, with -Mstrict -w.
my $keeper_text = <<'LAZY';
# The request's files of layout 2, for the runner's sh wrapper (wrapper.sh) when this launch went
# no further than its files: the runner then writes proto "2 sh", created and cookie itself.
sub layout2_files {
    write_file($_, $req{$_}) for qw(cwd env shell);
    write_file($_, "$req{$_}\n") for qw(umask limits stdin);
}

# Layout 2's start (the runner's sk_launch wrote the request's files): they are read here once,
# before the fork (the wrapper and the job take their values from memory), and created and cookie
# written; false when cookie could not be.
sub layout2_start {
    $req{cmd} = slurp('cmd', 1 << 30) // '';
    $req{env} = slurp('env', 1 << 24) // '';
    $req{$_} = slurp($_, 65536) // '' for qw(cwd shell);
    ($req{$_} = slurp($_) // '') =~ s/\n\z// for qw(umask limits stdin);
    $now = time;
    put('created', "$now\n");
    return put('cookie', "$req{cookie}\n");
}

# The job's environment file: the sourced text of layout 1, "export NAME='...'" lines whose values
# are single-quoted with '\'' for a quote. Anything else is refused, never guessed at.
sub parse_env {
    my $text = shift;
    my @pairs;
    while (length $text) {
        $text =~ s/\Aexport ([A-Za-z_][A-Za-z0-9_]*)=((?:'[^']*'|\\')+)\n// or return undef;
        my ($name, $quoted) = ($1, $2);
        my $value = '';
        while ($quoted =~ /\G(?:'([^']*)'|\\('))/gc) { $value .= defined $1 ? $1 : $2; }
        push @pairs, [$name, $value];
    }
    return \@pairs;
}

# The wrapper's watch of its job under a --timeout or with a stdin spool to feed: the job's end
# (a pidfd, Linux 5.3+; elsewhere SIGCHLD through the self-pipe SIG_R, with a 1 s tick against the
# signal arriving just before select), the --timeout and grace deadlines, and the spool fed to
# JOB_W. Returns (timed out, the raw wait status or undef).
sub supervise {
    my ($job, $timeout, $grace, $spool, $job_w, $sig_r) = @_;
    # The clock of --timeout and grace: to the microsecond when there is a deadline to keep.
    my $clock = $timeout > 0 ? do { require Time::HiRes; \&Time::HiRes::time } : sub { time };
    my $start = $clock->();
    my $pidfd = syscall(434, $job, 0);    # pidfd_open: 434 on every Linux architecture
    $pidfd = -1 unless defined $pidfd && $pidfd >= 0;

    # Feeding state: the offset fed, the spool's handle, what was read but not yet written.
    my ($in, $off, $pending, $nap) = (undef, 0, '', 0.01);
    if ($spool) {
        nonblock($job_w);
        sysopen($in, 'in', $fc{RDONLY} | $fc{NOFOLLOW}) or do { close $job_w; $spool = 0 };
    }

    my ($timedout, $termed, $raw) = (0, 0, undef);
    while (1) {
        my $got = waitpid($job, 1);    # WNOHANG: 1 on Linux
        if ($got == $job) {
            $raw = $?;
            last;
        }
        if ($got < 0) {
            last;
        }
        my $now = $clock->();
        my @deadlines;
        if ($timeout > 0) {
            if (!$termed) {
                if ($now - $start >= $timeout) {
                    $timedout = 1;
                    $termed = $now;
                    kill 'TERM', -$job;
                }
                else { push @deadlines, $start + $timeout - $now; }
            }
            if ($termed) {
                if ($termed > 0 && $now - $termed >= $grace) {
                    kill 'KILL', -$job;
                    $termed = -1;
                }
                elsif ($termed > 0) { push @deadlines, $termed + $grace - $now; }
            }
        }
        my ($rin, $win) = ('', '');
        vec($rin, $pidfd >= 0 ? $pidfd : fileno($sig_r), 1) = 1;
        push @deadlines, 1 if $pidfd < 0;
        if ($spool) {
            if ($pending eq '') {
                my $n = sysread($in, $pending, 65536);
                if (defined $n && $n > 0) {
                    $nap = 0.01;
                }
                else {
                    my $eof = slurp('in.eof') // '';
                    if ($eof =~ /\A([0-9]+)\n?\z/ && $1 == $off) {
                        close $job_w;
                        close $in;
                        $spool = 0;
                        next;
                    }
                    push @deadlines, $nap;
                    $nap *= 2;
                    $nap = 0.25 if $nap > 0.25;
                }
            }
            vec($win, fileno($job_w), 1) = 1 if $pending ne '';
        }
        my $wait = @deadlines ? (sort { $a <=> $b } @deadlines)[0] : undef;
        $wait = 0 if defined $wait && $wait < 0;
        my $n = select(my $rout = $rin, my $wout = $win, undef, $wait);
        next if $n <= 0;
        if ($pidfd < 0 && vec($rout, fileno($sig_r), 1)) {
            my $drain;
            1 while defined sysread($sig_r, $drain, 64) && length $drain;
        }
        if ($spool && $pending ne '' && vec($wout, fileno($job_w), 1)) {
            my $w = syswrite($job_w, $pending);
            if (defined $w) {
                $off += $w;
                substr($pending, 0, $w, '');
            }
            elsif (!transient($! + 0)) {
                # The job stopped reading (EPIPE): nothing more is fed.
                close $job_w;
                close $in;
                $spool = 0;
            }
        }
    }
    return ($timedout, $raw);
}

# EAGAIN or EINTR: a write to try again.
sub transient {
    my ($errno) = @_;
    require Errno;
    return $errno == Errno::EAGAIN() || $errno == Errno::EINTR();
}

sub nonblock {
    my $flags = fcntl($_[0], $fc{GETFL}, 0) // return;
    fcntl($_[0], $fc{SETFL}, $flags | $fc{NONBLOCK});
}

LAZY

# Compiles the subs of TEXT, a reference to $serve_text or $keeper_text, the first time they are
# needed, and never again (the text goes once compiled).
sub lazy_subs {
    my ($text) = @_;
    return unless defined $$text;
    my $code = $$text;
    undef $$text;
    eval "$code\n1" or die $@;
}

# ---- the mode ----------------------------------------------------------------------------
if ($run eq 'serve') {
    lazy_subs(\$serve_text);
    # Once for all its launches: each is a fork of this process.
    lazy_subs(\$keeper_text);
    serve(@ARGV);
}
elsif ($run) {
    ($base, $id, $lpath, $reset, $warn, $deadline, @stream_args) = @ARGV;
    # Sent perl-first (front.pl), stream.pl is front.pl's copy, from the payload itself.
    our $sk_stream_text;
    $stream_tool = delete $ENV{SK_STREAM_TOOL} // $sk_stream_text // '';
    $d = "$base/$id";
    # Out of the environment at once: the wrapper and the job inherit it.
    $req{$_} = delete $ENV{"SK_LAUNCH_\U$_"} // '' for qw(cmd cwd env shell umask limits stdin);
    # The login's umask, unless the runner read it (its sh forks no $(umask) for this verb): the
    # runner's sh has not changed it, and nothing is made before run_prepare's umask 077.
    $req{umask} = sprintf('%04o', umask) if $req{umask} eq '';
    alarm $deadline if defined $deadline && $deadline =~ /\A[1-9][0-9]{0,8}\z/;
    # The words go to the runner on fd 3, or to front.pl's pipe when it runs this (perl-first).
    our $sk_words;
    $runner = $sk_words or open($runner, '>&=', 3) or exit 6;
}
else {
    ($d, $id, $lpath, $reset) = @ARGV;
}
$reset = 'INT,QUIT' unless defined $reset;
$| = 1;

# ---- the launcher -------------------------------------------------------------------------
$req{cookie} = delete $ENV{SK_LAUNCH_COOKIE} // '';
# The job directory's layout: 3 where this process makes the directory (the run verb and the
# resident launcher), 2 where the runner's sk_launch made it and its files.
my $layout = $run ? 3 : 2;
run_prepare() if $run;
# Nothing started (the runner then starts the sh wrapper): in the run verb, it is told so on fd 3.
my $unstarted = sub {
    if ($run) {
        if ($_[0] eq 'files') {
            lazy_subs(\$keeper_text);
            layout2_files();
        }
        syswrite($runner, "$_[0]\n");
    }
    exit 1;
};
umask 077;
chdir $d or $unstarted->('files');
if (!$run) {
    lazy_subs(\$keeper_text);
    layout2_start() or $unstarted->('files');
}
# The resident launcher's job has no stream helper to register: helpers/ is made by the first one
# (stream.pl and the runner make it when it is missing), one inode fewer per launch.
mkdir 'helpers' unless $run eq 'serve';

# The job's start: its identity ("ok PID START BOOT SIGIGN SIGBLK SIGRESET", once recorded in its
# files), then EOF once it exec'd (close-on-exec); or the exit code of a failed start.
pipe(my $started_r, my $started_w) or $unstarted->('files');
# The run verb's stream helper (this process, once launched) wakes when the wrapper ends, its exit
# record written, rather than at its next tick: the wrapper holds the write end for its whole life
# (close-on-exec, so the job's command never does); at its end the read end sees EOF.
my ($ended_r, $ended_w);
pipe($ended_r, $ended_w) or ($ended_r, $ended_w) = () if $run eq 'run';
my $wrapper = fork;
if (!defined $wrapper) {
    $run ? syswrite($runner, "error\n") : print "error\n";
    exit 1;
}
if ($wrapper == 0) {
    close $started_r;
    close $ended_r if $ended_r;
    # In the run verb this process goes on as the stream helper: the wrapper is a second fork whose
    # parent ends at once, so that, as when the launcher ends, it is nobody's child in the call: no
    # zombie of it waits there for the stream to end, and whatever ends the call's process tree
    # cannot reach it.
    if ($run eq 'run') {
        my $second = fork;
        if (!defined $second) {
            syswrite($runner, "error\n");
            quit(1);
        }
        quit(0) if $second;
    }
    wrapper($started_w);
    quit(0);
}
close $started_w;
close $ended_w if $ended_w;
if ($run eq 'run') {
    waitpid($wrapper, 0);
    # The second fork failed: the runner was told.
    exit 1 if $? != 0;
}
my $said = '';
1 while sysread($started_r, $said, 256, length $said);
# Anything but a clean exec, or an exit already recorded: the runner reads the state itself.
print "started\n" unless $run;
# The resident launcher takes a job that ended at once as it was at its exec, running (its status a
# moment earlier, as the runner's may be a moment later): the next status finds its end.
my @id = $said =~ /\Aok ([0-9]+) ([0-9]+) ([0-9a-z-]+) ([0-9a-f]+|-) ([0-9a-f]+|-) ([A-Za-z0-9,-]+)\n\z/;
if (!@id || ($run ne 'serve' && -e 'exit')) {
    syswrite($runner, "report\n") if $run;
    exit 0;
}
# The status line the runner's sk_report prints, from what this process holds: the job's identity
# as it sent it, the request, and the logs' sizes now (empty but for what the job wrote since).
my @st_o = stat 'out';
my @st_e = stat 'err';
my $stdin = '';
if ($req{stdin} =~ /\Aspool\b/ && -f 'in' && !-l 'in') {
    my @st_i = stat _;
    my $eof = slurp('in.eof') // '';
    chomp $eof;
    $eof = '-' unless $eof =~ /\A[0-9]+\z/;
    $stdin = " stdin=spool in=$st_i[7] ineof=$eof";
}
my $status = sprintf "status id=%s state=running pid=%s pgid=%s start=%s boot=%s created=%s sigign=%s sigblk=%s sigreset=%s layout=2 out=%d err=%d%s cmd=%s\n",
    $id, $id[0], $id[0], $id[1], $id[2] =~ /\A[0-9a-f-]{1,48}\z/ ? $id[2] : '', $now, @id[3 .. 5], $st_o[7] // 0, $st_e[7] // 0,
    $stdin, unpack('H*', substr($req{cmd}, 0, 160));
if (!$run) {
    print $status;
    exit 0;
}
# The run verb: the launch's replies, then this process goes on as the job's stream helper.
print "\@\@SK2 launched id=$id fresh=1$warn\n\@\@SK2 $status";
syswrite($runner, "launched\n");
# The resident launcher's request ends here: its replies are out.
quit(0) if $run eq 'serve';
@ARGV = @stream_args;
our $sk_ended = $ended_r;
eval $stream_tool;
# stream.pl ends the process itself; here it could not be compiled (then the runner, told nothing
# more than "launched", streams in sh) or died.
exit 7;

# ---- the wrapper --------------------------------------------------------------------------
sub wrapper {
    my ($started_w) = @_;
    new_session();
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', '/dev/null');
    open(STDERR, '>>', "$d/wrapper.err");
    if ($run) {
        close $runner;
        # front.pl's end of the words' pipe (sent perl-first): the wrapper keeps nothing of the call.
        our $sk_words_r;
        close $sk_words_r if $sk_words_r;
        # The command line sk_wrapper_alive knows ("perl DIR/keeper.pl DIR"). $0 is written over
        # the original arguments and perl pads it with spaces: padded with NULs to their exact
        # length instead, the kernel shows the arguments whole, not as one setproctitle string.
        # The resident launcher read its length once (this process is its fork: the same arguments).
        my $len = $cmdline_len;
        if (!defined $len && open(my $cl, '<', '/proc/self/cmdline')) {
            local $/;
            $len = length(<$cl> // '');
        }
        if (defined $len) {
            # A word (the mode) follows DIR: the kernel shows the whole padded area, and once sh's
            # $(...) strips the trailing newlines, DIR must not be last (sk_wrapper_alive matches
            # "DIR/keeper.pl NL DIR NL" and more). With DIR last, as the run verb had it, the sh
            # tier never proved the wrapper alive and fell back to the cookie.
            my $title = "perl\0$d/keeper.pl\0$d\0$run\0";
            $0 = $title . ("\0" x ($len - length $title)) if $len > length $title;
        }
    }
    # $0 stays as it is: the runner knows its wrapper by this command line (sk_wrapper_alive).
    put('wrapper', "$$ " . (starttime($$) // 0) . "\n");

    my ($timeout, $grace) = split ' ', $req{limits};
    $timeout = 0 unless defined $timeout && $timeout =~ /\A[0-9]+\z/;
    $grace = 10 unless defined $grace && $grace =~ /\A[0-9]+\z/;
    my $spool = $req{stdin} =~ /\Aspool\b/ && -f 'in' && !-l 'in';

    # Without a --timeout or a stdin spool to feed, nothing is for the wrapper to do until the job
    # ends: it blocks in waitpid. Otherwise it watches the job, the clock and the spool in select
    # (supervise, compiled then: lazy_subs).
    my $watch = $timeout > 0 || $spool;
    my ($job_r, $job_w, $sig_r, $sig_w);
    if ($watch) {
        lazy_subs(\$keeper_text);
        if ($spool) {
            pipe($job_r, $job_w) or $spool = 0;
        }
        # SIGCHLD through a self-pipe, for kernels without pidfd.
        pipe($sig_r, $sig_w) or die "sessionkeeper: pipe: $!\n";
        nonblock($sig_r);
        nonblock($sig_w);
        $SIG{CHLD} = sub { syswrite($sig_w, 'x') };
    }
    $SIG{PIPE} = 'IGNORE';

    my $job = fork;
    if (!defined $job) {
        record("v1 unknown 0 0 0 " . time);
        exit 1;
    }
    if ($job == 0) {
        close $sig_r if $sig_r;
        close $sig_w if $sig_w;
        close $job_w if $spool;
        close $ended_w if $ended_w;
        job($started_w, $spool ? $job_r : undef);
    }
    close $started_w;
    close $job_r if $spool;
    my ($timedout, $raw) = (0, undef);
    if ($watch) {
        ($timedout, $raw) = supervise($job, $timeout, $grace, $spool, $job_w, $sig_r);
    }
    elsif (waitpid($job, 0) == $job) {
        $raw = $?;
    }
    my $ended = time;
    if (!defined $raw) {
        record("v1 unknown 0 0 $timedout $ended");
    }
    elsif (($raw & 127) == 0) {
        record("v1 exited " . (($raw >> 8) & 255) . " 0 $timedout $ended");
    }
    else {
        my $s = $raw & 127;
        record("v1 killed " . (128 + $s) . " $s $timedout $ended");
    }
    quit(0);
}

# The exit record, as wrapper.sh writes it: atomically when there is room, else in place in the
# slot the runner pre-allocated (then "nospace"), renamed.
sub record {
    my ($line) = @_;
    return if put('exit', "$line\n");
    unlink "exit.tmp.$$";
    return if -l 'exit.slot' || !-f _;
    open(my $fh, '+<', 'exit.slot') or return;
    syswrite($fh, "$line nospace\n");
    close $fh;
    rename('exit.slot', 'exit');
}

# The job, in a session of its own: identity first (starttime last, by rename), then the command.
sub job {
    my ($started_w, $stdin) = @_;
    my $fail = sub {
        my ($code, $msg) = @_;
        syswrite(STDERR, "sessionkeeper: $msg\n");
        syswrite($started_w, "$code\n");
        quit($code);
    };
    new_session();
    # The wrapper's CHLD and PIPE, and perl's own SIGFPE (perl ignores it at its start), go back to
    # their default with the signals of RESET.
    $SIG{$_} = 'DEFAULT' for qw(CHLD PIPE FPE), split /,/, $reset;
    unblock_all();
    if ($stdin) {
        # STDIN is fd 0 (/dev/null since the wrapper's start): perl reopens it in place, on fd 0.
        open(STDIN, '<&', $stdin) or $fail->(126, "stdin: $!");
        fileno(STDIN) == 0 or $fail->(126, 'stdin: not on fd 0');
        close $stdin;
    }
    open(STDOUT, '>>', "$d/out") or $fail->(126, "out: $!");
    open(STDERR, '>>', "$d/err") or $fail->(126, "err: $!");
    my $status = slurp('/proc/self/status', 65536) // '';
    my ($ign) = $status =~ /^SigIgn:\s*([0-9a-f]+)/m;
    my ($blk) = $status =~ /^SigBlk:\s*([0-9a-f]+)/m;
    my $start = starttime($$) // time;
    my $boot = $boot_id // slurp('/proc/sys/kernel/random/boot_id') // "none\n";
    chomp $boot;
    if ($layout == 3) {
        # One file, by rename: "PID PGID START BOOT SIGIGN SIGBLK SIGRESET".
        put("$d/ident", join(' ', $$, $$, $start, $boot, $ign // '-', $blk // '-', 'perl') . "\n");
    }
    else {
        put("$d/signals", ($ign // '-') . ' ' . ($blk // '-') . " perl\n");
        put("$d/pid", "$$\n");
        put("$d/pgid", "$$\n");
        put("$d/boot_id", "$boot\n");
        put("$d/starttime", "$start\n");
    }
    syswrite($started_w, 'ok ' . join(' ', $$, $start, $boot, $ign // '-', $blk // '-', 'perl') . "\n");

    # The request, as the launcher holds it (it wrote or read its files before the fork).
    my ($cookie, $cwd, $um, $shell, $cmd) = @req{qw(cookie cwd umask shell cmd)};
    my $env = [];
    if ($req{env} ne '') {
        lazy_subs(\$keeper_text);
        $env = parse_env($req{env}) // $fail->(126, 'the job environment file is malformed');
    }
    if ($cwd ne '') {
        chdir $cwd or $fail->(126, "cannot change to directory $cwd");
    }
    else {
        chdir($ENV{HOME} // '/') or chdir '/';
    }
    umask oct $1 if $um =~ /\A([0-7]+)/;
    $shell = $ENV{SHELL} // '/bin/sh' if $shell eq '';
    delete $ENV{SK_LAUNCH_COOKIE};
    $ENV{SESSIONKEEPER_JOB_ID} = $id;
    $ENV{SESSIONKEEPER_JOB_COOKIE} = $cookie;
    $ENV{PATH} = $lpath;
    $ENV{$_->[0]} = $_->[1] for @$env;
    { local $^W = 0; exec { $shell } $shell, '-c', $cmd; }
    my $code = $! == 2 ? 127 : 126;    # ENOENT: 2 on every Linux architecture
    $fail->($code, "$shell: $!");
}
