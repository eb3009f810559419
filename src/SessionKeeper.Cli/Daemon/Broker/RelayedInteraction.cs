using SessionKeeper.Ssh.Broker;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The prompts of a connection the daemon opens for a CLI: each question goes to that CLI's
/// terminal over the socket and its answer comes back; the daemon never answers on its own. With
/// the CLI gone, or unable to prompt, nobody can be asked, as for a direct connection in BatchMode.
/// </summary>
internal sealed class RelayedInteraction(FrameWriter writer, uint session, bool canPrompt, CancellationToken peerGone) : IUserInteraction
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<string?>? _pending;

    public bool CanPrompt => canPrompt && !peerGone.IsCancellationRequested;

    public string? ReadSecret(string prompt) => Ask(BrokerPromptKind.Secret, prompt);

    public string? ReadLine(string prompt) => Ask(BrokerPromptKind.Line, prompt);

    public void Note(string message) => writer.Send(BrokerFrameType.Prompt, session, new BodyWriter().Byte((byte)BrokerPromptKind.Note).String(message).ToArray());

    /// <summary>The CLI's answer (null: declined or none).</summary>
    public void Answered(string? answer)
    {
        lock (_gate)
        {
            _pending?.TrySetResult(answer);
        }
    }

    /// <summary>SSH.NET asks from its own thread and waits for the answer there.</summary>
    private string? Ask(BrokerPromptKind kind, string prompt)
    {
        if (!CanPrompt)
        {
            return null;
        }

        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending = answer;
        }

        using var gone = peerGone.Register(() => answer.TrySetResult(null));
        if (!writer.Send(BrokerFrameType.Prompt, session, new BodyWriter().Byte((byte)kind).String(prompt).ToArray()))
        {
            return null;
        }

        return answer.Task.GetAwaiter().GetResult();
    }
}
