# SessionKeeper remote runner's perl-first front, for the run verb (perl 5.10+, core only).
#
# A run request is sent perl-first (RunnerRequest.ToPayload): a brace group with the runner's
# functions that sk_run_fast needs and the request's small values, whose sh execs perl
# (sk_first, sk_keeper_call) rather than reading and parsing the whole runner; then a
# here-document that sh skips where it serves the call itself, holding 16 KB of padding, the
# marker line "@@SKP N F K S" and perl's part; then the whole payload as sent otherwise. The
# runner's SK_FIRST_BOOT reads the N bytes after the marker into $sk_payload, compiles its first F
# bytes (this program), then the K after them (keeper.pl), each at the top level: a lexical that an
# inner eval looks up costs it a search of every scope around it. The N bytes are, in order:
#   this program (F), keeper.pl as launches send it (K), stream.pl (S),
#   the here-document's end line, "SK_PERL_PART",
#   the whole payload ("{", the runner, the request's variables but for SK_KEEPER and
#   SK_STREAM_TOOL, "sk_main", "exit", "}").
#
# ARGV is sk_keeper_call's: a mode, then keeper.pl's run-mode arguments.
#   run  sk_run_fast's checks passed: keeper.pl in its run mode serves the call as it does under
#        sk_run_fast, in this process, its words in this program's pipe instead of the runner's fd 3.
#        When they leave the rest to sh (sk_run_fast's case: declined, files, error, report, a stream
#        that never started, a lost job's offsets), this process becomes the runner's sh with the
#        whole payload, SK_KEEPER and SK_STREAM_TOOL set, and perl's words and exit code in
#        SK_PERL_WORDS and SK_PERL_RC: sk_run_fast goes on from them, as from its own perl's.
#   sh   (a fault hook, or a request sk_run_fast declines in sh) the same at once, without words:
#        sh serves the whole call, as when sent otherwise.
# The sh is the runner's own (SESSIONKEEPER_INTERP, tests' bash or BusyBox ash; /bin/sh), with the
# payload as its -c argument: ToPayload sends perl-first only a payload that fits in one argument.
# Package variables, but for the text below, which sk_rest (a named sub) holds past this program's
# scope: that has ended when the END block runs.
our ($sk_payload, @sk_parts, $sk_words, $sk_words_r, $sk_front, $sk_stream_text);

# Compiled only where sh is to serve the rest (sk_rest): a run served by perl never needs it.
my $rest_text = <<'LAZY';
sub sk_quote {
    my ($v) = @_;
    $v =~ s/'/'\\''/g;
    return "'$v'";
}

# Becomes the runner's sh with the whole payload; perl's words and exit code, where given.
sub sk_to_sh {
    my ($words, $rc) = @_;
    alarm 0;
    my ($front, $keeper, $stream) = @sk_parts;
    my $end = "SK_PERL_PART\n";
    my $at = $front + $keeper + $stream;
    exit 9 unless substr($sk_payload, $at, length $end) eq $end;
    my $text = substr($sk_payload, $at + length $end);
    my $tail = "sk_main\nexit\n}\n";
    exit 9 unless substr($text, -length $tail) eq $tail;
    my $vars = 'SK_KEEPER=' . sk_quote(substr($sk_payload, $front, $keeper)) . "\n"
        . 'SK_STREAM_TOOL=' . sk_quote(substr($sk_payload, $front + $keeper, $stream)) . "\n";
    $vars .= 'SK_PERL_WORDS=' . sk_quote($words) . "\nSK_PERL_RC=$rc\n" if defined $words;
    substr($text, -length $tail, 0, $vars);
    my $sh = $ENV{SESSIONKEEPER_INTERP} || '/bin/sh';
    exec { $sh } $sh, '-c', $text;
    exit 9;
}

# After keeper.pl or stream.pl exited (rc): what they said in the words' pipe decides.
sub sk_after {
    my ($rc) = @_;
    close $sk_words;
    my ($words, $rin) = ('', '');
    vec($rin, fileno($sk_words_r), 1) = 1;
    while (select(my $ready = $rin, undef, undef, 0) > 0) {
        last unless sysread($sk_words_r, $words, 4096, length $words);
    }
    $words =~ s/\n+\z//;
    # The stream was served: its last reply and end are out (or the channel is gone).
    return if $words =~ /\Alaunched\nstarted(?:\n|\z)/ && $rc != 3;
    sk_to_sh($words, $rc);
}
1;
LAZY

sub sk_rest {
    my $code = $rest_text;
    undef $rest_text;
    eval $code or die $@ if defined $code;
}

# Nothing newer than perl 5.6 here: where keeper.pl (5.10) does not compile, this END block still
# hands the call to sh, as the runner's own path does when its perl says nothing.
if (!defined $ARGV[0] || $ARGV[0] ne 'run' || !pipe($sk_words_r, $sk_words)) {
    sk_rest();
    sk_to_sh();
}
$sk_front = $$;
$sk_stream_text = substr($sk_payload, $sk_parts[0] + $sk_parts[1], $sk_parts[2]);

# keeper.pl and stream.pl end this process themselves (exit_group where they can): this runs only
# where they exit (or die), with words that may leave the rest to sh. Their forks never run it.
END {
    if (defined $sk_front && $sk_front == $$) {
        my $rc = $?;
        sk_rest();
        sk_after($rc);
    }
}
1;
