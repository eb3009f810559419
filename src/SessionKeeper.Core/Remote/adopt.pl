# SessionKeeper adopt: protects one process from its terminal's hangup, from the outside.
#
# Usage: perl -e "$PROGRAM" PID OUT ERR SPEC   (Linux x86_64 only; the runner checks the arch)
# SPEC has one letter per descriptor 0, 1, 2: "t" points it away from the terminal (0 at /dev/null,
# 1 at OUT and 2 at ERR, opened O_WRONLY|O_CREAT|O_APPEND, mode 0600), "n" leaves it alone.
# SIGHUP is set to SIG_IGN in every case.
#
# No process can change another's descriptors or signal dispositions except through ptrace, so
# this makes the process run a few system calls of ours: it is seized (PTRACE_SEIZE, which sends
# no SIGSTOP, so nothing is left pending if we die), interrupted, and made to execute one
# `syscall` instruction per call (the one it was stopped after when it sat in a system call, the
# usual case; otherwise two bytes at its instruction pointer, put back afterwards), with only the
# general registers saved and restored (PTRACE_GETREGS/SETREGS). No libc function runs in it and
# its FPU/AVX state is never written: gdb's `call` does both, and gdb 13 on a CPU with AMX state
# fails to restore that state and kills the process (docs/GROUND.md). orig_rax is -1 while our
# calls run, so the kernel does not restart the interrupted call in their place; the saved
# registers put it back, and it is restarted as after any signal.
#
# Output, one line each: "SKR step NAME RESULT" for every call, then "SKR done" or
# "SKR fail WHAT errno=N". The process is always detached before this exits.
use strict;
use warnings;

my ($pid, $out, $err, $spec) = @ARGV;
$pid = 0 + ($pid // 0);
$spec //= 'nnn';
my ($SEIZE, $INTERRUPT, $DETACH, $GETREGS, $SETREGS, $PEEK, $POKE, $STEP) = (0x4206, 0x4207, 17, 12, 13, 2, 5, 9);
my ($NR_ptrace, $NR_wait4) = (101, 61);
my ($R_RAX, $R_ORIG, $R_RIP, $R_RDI, $R_RSI, $R_RDX, $R_R10, $R_R8, $R_R9) = (10, 15, 16, 14, 13, 12, 7, 9, 8);
$| = 1;

# Signals that arrived while our calls ran: a signal-delivery stop comes before the stepped
# instruction runs, and stepping on discards the signal, so each is sent again before detaching.
my %caught;

sub pt { return syscall($NR_ptrace, $_[0], $pid, $_[1] // 0, $_[2] // 0); }

sub fail {
    my ($what, $errno) = @_;
    print "SKR fail $what errno=$errno\n";
}

# Waits for the next stop of the tracee; returns its wait status, or 0 when it is gone.
sub wait_stop {
    my $st = pack('i', 0);
    my $r = syscall($NR_wait4, $pid, $st, 0x40000000, 0);    # __WALL
    return 0 if $r < 0;
    my $s = unpack('i', $st);
    return ($s & 0xff) == 0x7f ? $s : 0;                       # WIFSTOPPED
}

# Detaches, the signals held back sent again first (queued while it is stopped, delivered once it runs).
sub let_go {
    kill($_, $pid) for keys %caught;
    pt($DETACH);
}

if (pt($SEIZE) != 0) {
    fail('attach', $! + 0);
    exit 0;
}

# The first stop may be a signal's, before the interrupt's: either one will do (that signal is
# sent again before detaching, and the interrupt's stop is stepped over like any other).
my $first = pt($INTERRUPT) == 0 ? wait_stop() : 0;
if (!$first) {
    fail('interrupt', $! + 0);
    pt($DETACH);
    exit 0;
}

$caught{($first >> 8) & 0xff} = 1 if $first >> 16 == 0 && (($first >> 8) & 0xff) != 5;

my $regs = "\0" x 216;    # struct user_regs_struct: 27 registers of 8 bytes
if (pt($GETREGS, 0, $regs) != 0) {
    fail('getregs', $! + 0);
    let_go();
    exit 0;
}

my @saved = unpack('q27', $regs);
my $rip = $saved[$R_RIP];
my ($site, $word, $patched) = ($rip, undef, 0);
my $before = "\0" x 8;
if (pt($PEEK, $rip - 2, $before) == 0 && substr($before, 0, 2) eq "\x0f\x05") {
    $site = $rip - 2;    # stopped right after a syscall instruction: use that one
}
else {
    $word = "\0" x 8;
    if (pt($PEEK, $rip, $word) != 0 || pt($POKE, $rip, unpack('q', "\x0f\x05" . substr($word, 2))) != 0) {
        fail('patch', $! + 0);
        let_go();
        exit 0;
    }

    $patched = 1;
}

my $ok = eval {
    my $page = call(9, 0, 4096, 3, 0x22, -1, 0);    # mmap(NULL, 4096, RW, PRIVATE|ANONYMOUS)
    die "mmap $page\n" if $page < 0 && $page > -4096;
    poke($page, pack('q4', 1, 0, 0, 0));            # struct sigaction { SIG_IGN, 0, 0, 0 }
    step('sighup', call(13, 1, $page, 0, 8));       # rt_sigaction(SIGHUP, &act, NULL, 8)
    my @target = ('/dev/null', $out, $err);
    for my $fd (0, 1, 2) {
        next unless substr($spec, $fd, 1) eq 't';
        poke($page + 64, $target[$fd] . "\0");
        my $o = call(257, -100, $page + 64, $fd == 0 ? 0 : 1089, 0600);    # openat(AT_FDCWD, ...)
        step("open$fd", $o);
        next if $o < 0;
        step("dup$fd", $o == $fd ? $fd : call(33, $o, $fd));              # dup2
        call(3, $o) if $o != $fd;                                          # close
    }

    call(11, $page, 4096);    # munmap
    1;
};
my $why = $@;
restore();
if ($ok) {
    print "SKR done\n";
}
else {
    chomp $why;
    $why =~ s/\s+/-/g;
    fail("call-$why", 0);
}

exit 0;

sub step { print "SKR step $_[0] $_[1]\n"; }

# One system call in the tracee, from the saved registers; returns its result (-errno on failure).
sub call {
    my ($nr, @a) = @_;
    my @r = @saved;
    @r[$R_RAX, $R_ORIG, $R_RIP] = ($nr, -1, $site);
    @r[$R_RDI, $R_RSI, $R_RDX, $R_R10, $R_R8, $R_R9] = map { $_ // 0 } @a[0 .. 5];
    pt($SETREGS, 0, pack('q27', @r)) == 0 or die "setregs\n";
    for (my $tries = 0; ; $tries++) {
        die "step\n" if $tries > 50 || pt($STEP) != 0;
        my $s = wait_stop() or die "gone\n";
        my ($sig, $event) = (($s >> 8) & 0xff, $s >> 16);
        last if $sig == 5 && $event == 0;         # the single-step trap: the call ran
        $caught{$sig} = 1 if $event == 0;         # a signal stopped it first: the call did not run
    }
    my $b = "\0" x 216;
    pt($GETREGS, 0, $b) == 0 or die "getregs\n";
    return (unpack('q27', $b))[$R_RAX];
}

sub poke {
    my ($addr, $bytes) = @_;
    $bytes .= "\0" x ((8 - length($bytes) % 8) % 8);
    for (my $i = 0; $i < length $bytes; $i += 8) {
        pt($POKE, $addr + $i, unpack('q', substr($bytes, $i, 8))) == 0 or die "poke\n";
    }
}

# Puts back the instruction and the registers and lets the process go, whatever happened above.
sub restore {
    pt($POKE, $rip, unpack('q', $word)) if $patched;
    pt($SETREGS, 0, pack('q27', @saved));
    let_go();
}
