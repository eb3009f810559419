namespace SessionKeeper.Ssh.HostKeys;

/// <summary>ASCII-only case folding, as OpenSSH's <c>lowercase()</c> and <c>tolower()</c> do.</summary>
internal static class AsciiCase
{
    public static string ToLower(string value)
    {
        foreach (var c in value)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return string.Create(value.Length, value, static (span, source) =>
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        var ch = source[i];
                        span[i] = ch is >= 'A' and <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
                    }
                });
            }
        }

        return value;
    }
}
