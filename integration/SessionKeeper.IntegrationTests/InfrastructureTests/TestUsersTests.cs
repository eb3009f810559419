using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class TestUsersTests
{
    [Theory(Timeout = 60000)]
    [InlineData("/usr/bin/fish", "sk-fish")]
    [InlineData("/bin/dash", "sk-dash")]
    [InlineData("/bin/bash", "sk-bash")]
    [InlineData("/usr/bin/tcsh", "sk-tcsh")]
    [InlineData("/bin/busybox", "sk-ash")]
    public async Task A_user_with_the_shell_can_log_in(string shell, string expectedUser)
    {
        if (!SshdFixture.IsRoot)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => TestUsers.EnsureUserWithShellAsync(shell));
            return;
        }

        await using var sshd = await SshdFixture.StartAsync();
        var user = await sshd.EnsureUserWithShellAsync(shell);
        Assert.Equal(expectedUser, await sshd.EnsureUserWithShellAsync(shell));

        var result = await sshd.RunOpenSshAsync("echo $HOME", new OpenSshOptions { User = user }, CancellationToken.None);

        Assert.Equal(expectedUser, user);
        Assert.Equal($"/home/{user}\n", result.StdoutText);
        var loginShell = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == user)[6];
        Assert.Contains(File.ReadLines("/etc/shells"), l => l.Trim() == loginShell);
    }
}
