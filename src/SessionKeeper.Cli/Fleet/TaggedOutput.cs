namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// Several hosts' output on one stdout, line by line, each line prefixed with its host; a line
/// is written whole under a shared lock, so lines of different hosts never interleave.
/// </summary>
internal sealed class TaggedOutput(Stream stdout, object gate)
{
    public Stream For(string host)
    {
        var prefix = System.Text.Encoding.UTF8.GetBytes(host + ": ");
        return new LineStream(line =>
        {
            lock (gate)
            {
                stdout.Write(prefix);
                stdout.Write(line);
                stdout.WriteByte((byte)'\n');
                stdout.Flush();
            }
        });
    }
}
