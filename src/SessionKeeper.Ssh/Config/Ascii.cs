namespace SessionKeeper.Ssh.Config;

/// <summary>ASCII-only helpers, as OpenSSH's <c>lowercase()</c> and <c>strcasecmp()</c> behave in the C locale.</summary>
internal static class Ascii
{
    public static string ToLower(string value)
    {
        if (!value.Any(c => c is >= 'A' and <= 'Z'))
        {
            return value;
        }

        return string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var ch = source[i];
                span[i] = ch is >= 'A' and <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
            }
        });
    }

    public static bool EqualsIgnoreCase(string a, string b) =>
        a.Length == b.Length && ToLower(a) == ToLower(b);
}
