using System.Diagnostics;
using SessionKeeper.Build;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Build;

/// <summary>
/// <see cref="ScriptStripper"/> on scripts of its own, made of what a stripper gets wrong: the
/// stripped script prints exactly what the written one prints, and every here-document and
/// multi-line string is in it byte for byte.
/// </summary>
public sealed class ScriptStripperTests : IDisposable
{
    private const string Tab = "\t";

    /// <summary>The parts of <see cref="ShellSample"/> that must come through byte for byte.</summary>
    private static readonly string[] ShellKept =
    [
        "cat <<EOF\n  # not a comment: $x\n   \n\n" + Tab + "a tab, trailing blanks   \nEOF\n",
        "cat <<-'EOF'\n" + Tab + "# tab-stripped, quoted\n" + Tab + "EOF\n",
        "cat <<A; cat <<\"B\"\n# first\nA\n  # second\nB\n",
        "s='a multi-line\n  # single-quoted\n    \n\nstring  '\n",
        "d=\"a double-quoted\n  # line with $x and $(echo sub\n  )\n\n  # and $(( x +\n 1 ))\nend\"\n",
        "perl -e '\n  # a perl comment in a quoted program\n  print \"perl\\n\";\n'\n",
        "w=`echo back\n# in backquotes\n`\n",
        "echo one \\\n# joined to the line before: a comment, not a line to drop\n",
        "x=$(cat <<'IN'\n  # here-document in a substitution\nIN\n)\n",
        "echo tail\\ \n",
    ];

    private static readonly string ShellSample = string.Join('\n',
        "#!/bin/sh",
        "# a comment line",
        "  # an indented comment",
        "",
        "x=1   ",
        ShellKept[0] + ShellKept[1] + ShellKept[2] + ShellKept[3] + "printf '%s\\n' \"$s\"",
        ShellKept[4] + "printf '%s\\n' \"$d\"",
        ShellKept[5] + "y=$(",
        "    # a comment in a command substitution",
        "    echo sub",
        ")",
        "echo \"$y\"",
        "z=$(case $x in",
        "  1) echo one ;;   # a case pattern's ) in a substitution",
        "  *) echo other ;;",
        "esac",
        ")",
        "echo \"$z\" ${x#1}done $# \"#\" '#' \\# a#b",
        "echo joined \\",
        "    words",
        "echo glued\\",
        "word",
        "v=$(( (x + 1) * 2 ))",
        "echo \"$v\"",
        ShellKept[6] + "echo \"$w\"",
        ShellKept[7] + "echo two",
        ShellKept[8] + "echo \"$x\"",
        ShellKept[9] + "echo end",
        "");

    /// <summary>The parts of <see cref="PerlSample"/> that must come through byte for byte.</summary>
    private static readonly string[] PerlKept =
    [
        "#!/usr/bin/perl -l\n",
        "my $h = <<\"EOF\";\n  # kept $a[0]\n\n   \nEOF\n",
        "print <<'RAW' . <<~IND . << \"SP\";\n# raw\nRAW\n    # indented\n      more\n    IND\n# spaced\nSP\n",
        "my $q = q{\n  # in q{}, {nested}\n\n};\n",
        "(my $t = $s) =~ s{#}\n  {-};\n",
        "__END__\n# data, kept\n\n  indented data   \n",
    ];

    private static readonly string PerlSample = string.Join('\n',
        PerlKept[0] + "# comment",
        "use warnings;",
        "",
        "   my @a = (1, 2, 3);   ",
        "print \"last $#a\";",
        PerlKept[1] + "print $h;",
        PerlKept[2] + PerlKept[3] + "print $q;",
        "my $s = \"a#b\";",
        PerlKept[4] + "print $t;",
        "print $s =~ m/#/ ? 'yes' : 'no';   # a trailing comment",
        "my $v = undef // 'dor';",
        "print $v // 'x', 10 / 2;",
        "print join ',', split /,/, 'x,y';",
        "my %k = (s => 1, y => 2, q => 3);",
        "print join ',', map { \"$_=$k{$_}\" } sort keys %k;",
        "print -s '/dev/null' ? 'nonempty' : 'empty';",
        "print 1 << 3, $$ > 0 ? ' pid' : ' none';",
        "my $x",
        "  = 'not pod';",
        "print $x;",
        "print while <DATA>;",
        PerlKept[5]);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sk-strip-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_shell_script_loses_its_comment_and_blank_lines_and_keeps_quoted_and_here_document_lines_byte_for_byte()
    {
        var stripped = ScriptStripper.Shell(ShellSample);

        Assert.StartsWith("#!/bin/sh\nx=1\n", stripped, StringComparison.Ordinal);
        Assert.All(ShellKept, part => Assert.Contains(part, stripped, StringComparison.Ordinal));
        Assert.DoesNotContain("# a comment in a command substitution", stripped, StringComparison.Ordinal);
        Assert.Contains("\necho joined \\\n words\n", stripped, StringComparison.Ordinal);
        Assert.Contains("\ny=$(\necho sub\n)\n", stripped, StringComparison.Ordinal);
        Assert.Contains("\nz=$(case $x in\n1) echo one ;;", stripped, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_stripped_shell_script_prints_what_the_written_one_prints(string shell)
    {
        var (written, stripped) = await RunWrittenAndStrippedAsync(shell, ShellSample);

        Assert.Contains("\none\n", written, StringComparison.Ordinal);
        Assert.Contains("0 # # # a#b\njoined words\ngluedword\n4\nback\none\ntwo\n", written, StringComparison.Ordinal);
        Assert.Equal(written, stripped);
    }

    /// <summary>What <paramref name="shell"/> prints running <paramref name="script"/> as written, then as the stripper sends it.</summary>
    private async Task<(string Written, string Stripped)> RunWrittenAndStrippedAsync(string shell, string script) =>
        (await RunAsync(Shells.Path_(shell), Write("written", script)),
         await RunAsync(Shells.Path_(shell), Write("stripped", ScriptStripper.Shell(script))));

    /// <summary>What perl prints running <paramref name="program"/> as written, then as the stripper sends it.</summary>
    private async Task<(string Written, string Stripped)> RunPerlWrittenAndStrippedAsync(string program) =>
        (await RunAsync("perl", Write("written", program)),
         await RunAsync("perl", Write("stripped", ScriptStripper.Perl(program))));

    /// <summary>A script with two parts sent as text (quotes, a here-document and a comment in them) and code between and after them that needs them.</summary>
    private static readonly string LazySample = string.Join('\n',
        "# header",
        "core() { echo \"core $1\"; }",
        ScriptStripper.LazyBegin,
        "# a comment sent as nothing",
        "one() {",
        "    echo 'one'\\''s quote'",
        "    cat <<'EOF'",
        "  # here-document, kept",
        "EOF",
        "}",
        ScriptStripper.LazyEnd,
        "middle() { core middle; }",
        ScriptStripper.LazyBegin,
        "two() { printf '%s\\n' \"two ''\"; }",
        ScriptStripper.LazyEnd,
        "load() { [ -z \"${sk_lazy_text:-}\" ] || eval \"$sk_lazy_text\"; }",
        "command -v one >/dev/null || echo 'one: not yet'",
        "load",
        "middle",
        "one",
        "two",
        "");

    [Fact]
    public void A_shell_scripts_lazy_parts_become_one_quoted_variable_in_place_stripped()
    {
        var stripped = ScriptStripper.Shell(LazySample);
        var lines = stripped.Split('\n');

        Assert.Equal("core() { echo \"core $1\"; }", lines[0]);
        Assert.Equal("sk_lazy_text='one() {", lines[1]);
        Assert.Contains("\n}\n'\nmiddle() { core middle; }\nsk_lazy_text=$sk_lazy_text'two() {", stripped, StringComparison.Ordinal);
        Assert.Contains("\n  # here-document, kept\n", stripped, StringComparison.Ordinal);
        Assert.DoesNotContain("sent as nothing", stripped, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-lazy", stripped, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_stripped_script_with_lazy_parts_prints_what_the_written_one_prints_once_it_defines_them(string shell)
    {
        var (written, stripped) = await RunWrittenAndStrippedAsync(shell, LazySample);

        Assert.Equal("core middle\none's quote\n  # here-document, kept\ntwo ''\n\nstderr: \nexit 0", written);
        Assert.Equal("one: not yet\n" + written, stripped);
    }

    [Theory]
    [InlineData("a\n# sk-lazy-begin\nb\n")]
    [InlineData("a\n# sk-lazy-end\nb\n")]
    [InlineData("# sk-lazy-begin\n# sk-lazy-begin\nb\n# sk-lazy-end\n")]
    [InlineData("# sk-lazy-begin\necho 'open\n# sk-lazy-end\necho '\n")]
    public void A_shell_script_whose_lazy_parts_are_not_whole_stops_the_build(string script) =>
        Assert.Throws<InvalidOperationException>(() => ScriptStripper.Shell(script));

    [Fact]
    public void A_perl_program_loses_its_comment_and_blank_lines_and_keeps_strings_here_documents_and_data_byte_for_byte()
    {
        var stripped = ScriptStripper.Perl(PerlSample);

        Assert.All(PerlKept, part => Assert.Contains(part, stripped, StringComparison.Ordinal));
        Assert.DoesNotContain("# comment", stripped, StringComparison.Ordinal);
        Assert.Contains("\nmy @a = (1, 2, 3);\n", stripped, StringComparison.Ordinal);
        Assert.Contains("\nmy $x\n = 'not pod';\n", stripped, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_stripped_perl_program_prints_what_the_written_one_prints()
    {
        var (written, stripped) = await RunPerlWrittenAndStrippedAsync(PerlSample);

        Assert.Contains("last 2\n", written, StringComparison.Ordinal);
        Assert.Contains("  indented data   \n", written, StringComparison.Ordinal);
        Assert.Equal(written, stripped);
    }

    /// <summary>
    /// Perl code compiled on first need, as keeper.pl and stream.pl send it: a here-document
    /// &lt;&lt;'LAZY' evaluated later; the second one has a line that would end it early once stripped.
    /// </summary>
    private static readonly string PerlLazySample = string.Join('\n',
        "# header",
        "my $lazy = <<'LAZY';",
        "# a comment in lazy code",
        "    sub one {",
        "        # an indented one",
        "        my $s = 'one   ",
        "  # in a string';   ",
        "        return $s;",
        "    }",
        "",
        "LAZY",
        "my $whole = <<'LAZY' . <<\"RAW\";",
        "    sub two {",
        "        return (",
        "    LAZY",
        "        );",
        "    }",
        "LAZY",
        "  # raw, kept",
        "RAW",
        "print one() if eval \"$lazy\\n1\";",
        "print two() if eval \"$whole\\n1\";",
        "");

    [Fact]
    public void A_perl_programs_lazy_code_is_stripped_as_a_program_unless_a_line_would_end_it_early()
    {
        var stripped = ScriptStripper.Perl(PerlLazySample);

        Assert.StartsWith("my $lazy = <<'LAZY';\nsub one {\nmy $s = 'one   \n  # in a string';\nreturn $s;\n}\nLAZY\n", stripped, StringComparison.Ordinal);
        Assert.Contains("\n    sub two {\n        return (\n    LAZY\n        );\n    }\nLAZY\n  # raw, kept\nRAW\n", stripped, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_stripped_perl_program_with_lazy_code_prints_what_the_written_one_prints()
    {
        var (written, stripped) = await RunPerlWrittenAndStrippedAsync(PerlLazySample);

        Assert.Equal("one   \n  # in a stringLAZY\nstderr: \nexit 0", written);
        Assert.Equal(written, stripped);
    }

    [Theory]
    [InlineData("echo 'open\n# quote\n")]
    [InlineData("cat <<EOF\n# no end\n")]
    [InlineData("x=$(\n# open\necho\n")]
    [InlineData("echo a \\\n")]
    public void A_shell_script_the_scanner_does_not_see_closed_stays_as_it_is(string script) =>
        Assert.Equal(script, ScriptStripper.Shell(script));

    [Theory]
    [InlineData("# c\nprint 1;\n\n=pod\n\n# text\n\n=cut\n")]
    [InlineData("# c\nformat STDOUT =\n@<<<\n$x\n.\n")]
    [InlineData("# c\nmy $x = \"open\n# string\n")]
    [InlineData("# c\nprint <<EOF;\n# no end\n")]
    [InlineData("# c\nmy $x = q\n{a};\n")]
    public void A_perl_program_with_pod_a_format_or_what_the_scanner_does_not_follow_stays_as_it_is(string program) =>
        Assert.Equal(program, ScriptStripper.Perl(program));

    /// <summary>The script at the same path but for its directory's name (<paramref name="variant"/>): messages would name it.</summary>
    private string Write(string variant, string text)
    {
        var path = Path.Combine(_dir.CreateSubdirectory(variant).FullName, "script");
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<string> RunAsync(string program, string script)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return $"{await output}\nstderr: {error}\nexit {process.ExitCode}";
    }
}
