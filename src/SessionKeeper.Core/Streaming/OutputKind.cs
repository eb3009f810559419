namespace SessionKeeper.Core.Streaming;

/// <summary>Which of a job's outputs bytes belong to.</summary>
public enum OutputKind
{
    /// <summary>The job's stdout.</summary>
    Stdout,

    /// <summary>The job's stderr.</summary>
    Stderr,

    /// <summary>
    /// Stdout and stderr in one log, as job directories of layout 1 (written by wave-1 clients)
    /// keep them: what they hold reaches a reader as stdout.
    /// </summary>
    Combined,
}

/// <summary>How far each of a job's outputs has been delivered, in bytes.</summary>
/// <param name="Stdout">The job's stdout.</param>
/// <param name="Stderr">The job's stderr.</param>
/// <param name="Combined">The one log of a layout-1 job directory (0 for layout 2).</param>
internal readonly record struct StreamOffsets(long Stdout, long Stderr, long Combined)
{
    /// <summary>What the stream helper's credit counts: every stream's offset together.</summary>
    public long Sum => Stdout + Stderr + Combined;

    public long this[OutputKind stream] => stream switch
    {
        OutputKind.Stdout => Stdout,
        OutputKind.Stderr => Stderr,
        _ => Combined,
    };

    public StreamOffsets Advance(OutputKind stream, long bytes) => stream switch
    {
        OutputKind.Stdout => this with { Stdout = Stdout + bytes },
        OutputKind.Stderr => this with { Stderr = Stderr + bytes },
        _ => this with { Combined = Combined + bytes },
    };

    public override string ToString() => Combined > 0 ? $"{Combined}" : $"stdout {Stdout}, stderr {Stderr}";
}

/// <summary>Where a job's output goes: its stdout and its stderr, each to its own stream (or nowhere, when null).</summary>
/// <param name="Stdout">Receives the job's stdout, and the one log of a layout-1 job.</param>
/// <param name="Stderr">Receives the job's stderr.</param>
public sealed record JobStreams(Stream? Stdout, Stream? Stderr)
{
    /// <summary>Both streams to one (as a terminal shows them); the order between them is the order they arrive in.</summary>
    public static JobStreams Merged(Stream output) => new(output, output);

    /// <summary>The stream that receives <paramref name="stream"/>'s bytes.</summary>
    public Stream? For(OutputKind stream) => stream == OutputKind.Stderr ? Stderr : Stdout;
}
