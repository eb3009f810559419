using SessionKeeper.Ssh;
using SessionKeeper.Ssh.HostKeys;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Tests.Ssh.Connect;

/// <summary>StrictHostKeyChecking ask, askpass selection, and the connect deadline that stops while someone types.</summary>
public class InteractionTests
{
    private sealed class Scripted(params string?[] answers) : IUserInteraction
    {
        private readonly Queue<string?> _answers = new(answers);

        public List<string> Prompts { get; } = [];

        public bool CanPrompt => true;

        public string? ReadSecret(string prompt) => ReadLine(prompt);

        public string? ReadLine(string prompt)
        {
            Prompts.Add(prompt);
            return _answers.Count > 0 ? _answers.Dequeue() : null;
        }

        public void Note(string message)
        {
        }
    }

    private static readonly PendingHostKey Key = new(new HostKeyLookup("h.test", 2222), "ssh-ed25519", [1, 2, 3], "SHA256:abc");

    [Fact]
    public void Ask_shows_the_fingerprint_and_insists_on_yes_no_or_the_fingerprint()
    {
        var person = new Scripted("maybe", " yes ");

        Assert.True(HostKeyQuestion.Confirm(Key, "192.0.2.7", person));
        Assert.Equal(2, person.Prompts.Count);
        Assert.Contains("The authenticity of host '[h.test]:2222 (192.0.2.7)' can't be established.", person.Prompts[0], StringComparison.Ordinal);
        Assert.Contains("ED25519 key fingerprint is SHA256:abc.", person.Prompts[0], StringComparison.Ordinal);
        Assert.Equal("Please type 'yes', 'no' or the fingerprint: ", person.Prompts[1]);
    }

    [Theory]
    [InlineData("SHA256:abc", true)]
    [InlineData("no", false)]
    [InlineData(null, false)]
    public void Ask_accepts_the_pasted_fingerprint_and_refuses_no_or_silence(string? answer, bool accepted)
    {
        Assert.Equal(accepted, HostKeyQuestion.Confirm(Key, "a", new Scripted(answer)));
    }

    [Theory]
    [InlineData("force", null, "/x/askpass")]
    [InlineData("prefer", ":0", "/x/askpass")]
    [InlineData("never", ":0", null)]
    [InlineData(null, ":0", "/x/askpass")] // no terminal, and a display: ssh would use askpass
    [InlineData(null, null, null)]
    public void Askpass_is_chosen_as_ssh_chooses_it_without_a_terminal(string? require, string? display, string? expected)
    {
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS_REQUIRE"] = require, ["DISPLAY"] = display, ["SSH_ASKPASS"] = "/x/askpass" };
        var interaction = new TerminalInteraction(name => env.GetValueOrDefault(name), TextWriter.Null, ttyAvailable: () => false);

        Assert.Equal(expected, interaction.AskPassProgram());
    }

    [Theory]
    [InlineData("force", null, "/x/askpass")]
    [InlineData("prefer", ":0", "/x/askpass")]
    [InlineData("prefer", null, null)]
    [InlineData("never", ":0", null)]
    [InlineData(null, ":0", null)] // a terminal wins over a display unless askpass is preferred
    public void Askpass_is_chosen_as_ssh_chooses_it_on_a_terminal(string? require, string? display, string? expected)
    {
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS_REQUIRE"] = require, ["DISPLAY"] = display, ["SSH_ASKPASS"] = "/x/askpass" };
        var interaction = new TerminalInteraction(name => env.GetValueOrDefault(name), TextWriter.Null, ttyAvailable: () => true);

        Assert.Equal(expected, interaction.AskPassProgram());
    }

    /// <summary>On a fake clock: the deadline counts only the time no prompt is on screen, to the tick.</summary>
    [Fact]
    public void The_connect_deadline_stops_while_a_prompt_is_on_screen()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var deadline = new ConnectDeadline(TimeSpan.FromMilliseconds(300), CancellationToken.None, time);
        time.Advance(TimeSpan.FromMilliseconds(100));
        deadline.Pause();
        time.Advance(TimeSpan.FromHours(1)); // someone takes their time to type
        Assert.False(deadline.Token.IsCancellationRequested, "the deadline ran while the prompt was on screen");
        deadline.Resume();
        time.Advance(TimeSpan.FromMilliseconds(200) - TimeSpan.FromTicks(1));
        Assert.False(deadline.Token.IsCancellationRequested, "expired before 300 ms of connecting time");
        time.Advance(TimeSpan.FromTicks(1));
        Assert.True(deadline.Token.IsCancellationRequested, "not expired after 300 ms of connecting time");
        Assert.True(deadline.Expired(CancellationToken.None));
    }
}
