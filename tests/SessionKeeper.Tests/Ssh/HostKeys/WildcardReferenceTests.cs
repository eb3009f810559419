using SessionKeeper.Ssh.HostKeys;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// Checks wildcard matching against a direct transcription of OpenSSH's recursive
/// <c>match_pattern()</c> over many generated pattern/name pairs.
/// </summary>
public class WildcardReferenceTests
{
    [Fact]
    public void AgreesWithOpenSshMatchPatternOnGeneratedCases()
    {
        var random = TestSeed.Random(20240611);
        var key = TestKeys.Ed25519A.KeyText;
        for (var i = 0; i < 3000; i++)
        {
            var pattern = RandomText(random, "ab*?", random.Next(1, 8));
            var name = RandomText(random, "ab", random.Next(1, 9));
            var db = KnownHostsDatabase.Parse($"{pattern} {key}\n");

            var ours = db.EntriesFor(name, 22).Count == 1;

            Assert.True(ReferenceMatch(name, 0, pattern, 0) == ours, $"pattern \"{pattern}\" name \"{name}\"");
        }
    }

    [Fact]
    public void NegationAgreesWithOpenSshMatchPatternListOnGeneratedCases()
    {
        var random = TestSeed.Random(7);
        var key = TestKeys.Ed25519A.KeyText;
        for (var i = 0; i < 2000; i++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => (random.Next(3) == 0 ? "!" : "") + RandomText(random, "ab*?", random.Next(1, 5)))
                .ToArray();
            var name = RandomText(random, "ab", random.Next(1, 6));
            var db = KnownHostsDatabase.Parse($"{string.Join(',', patterns)} {key}\n");

            var anyNegated = patterns.Any(p => p[0] == '!' && ReferenceMatch(name, 0, p, 1));
            var anyPositive = patterns.Any(p => p[0] != '!' && ReferenceMatch(name, 0, p, 0));
            var expected = !anyNegated && anyPositive;

            Assert.True(expected == (db.EntriesFor(name, 22).Count == 1), $"patterns \"{string.Join(',', patterns)}\" name \"{name}\"");
        }
    }

    private static string RandomText(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    // match.c: match_pattern(), transcribed literally (recursive, with its '*' fast path).
    private static bool ReferenceMatch(string s, int si, string pattern, int pi)
    {
        while (true)
        {
            if (pi == pattern.Length)
            {
                return si == s.Length;
            }

            if (pattern[pi] == '*')
            {
                while (pi < pattern.Length && pattern[pi] == '*')
                {
                    pi++;
                }

                if (pi == pattern.Length)
                {
                    return true;
                }

                if (pattern[pi] != '?' && pattern[pi] != '*')
                {
                    for (; si < s.Length; si++)
                    {
                        if (s[si] == pattern[pi] && ReferenceMatch(s, si + 1, pattern, pi + 1))
                        {
                            return true;
                        }
                    }

                    return false;
                }

                for (; si < s.Length; si++)
                {
                    if (ReferenceMatch(s, si, pattern, pi))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (si == s.Length)
            {
                return false;
            }

            if (pattern[pi] != '?' && pattern[pi] != s[si])
            {
                return false;
            }

            si++;
            pi++;
        }
    }
}
