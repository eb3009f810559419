using Renci.SshNet;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// keyboard-interactive, then password, as ssh tries them after public keys; only with
/// --password-auth, and only where someone can answer (never in BatchMode). Answers are read when
/// the server asks, and never kept or logged.
/// </summary>
internal static class PasswordMethods
{
    public static IEnumerable<AuthenticationMethod> For(SshTarget target, IUserInteraction interaction)
    {
        if (!target.PasswordAuthentication)
        {
            yield break;
        }

        if (target.BatchMode || !interaction.CanPrompt)
        {
            interaction.Note($"password authentication: no terminal to ask for the password of {target.Label}" + (target.BatchMode ? " (BatchMode)" : "") + "; only keys are tried.");
            yield break;
        }

        var keyboard = new KeyboardInteractiveAuthenticationMethod(target.User);
        keyboard.AuthenticationPrompt += (_, e) =>
        {
            foreach (var prompt in e.Prompts)
            {
                prompt.Response = (prompt.IsEchoed ? interaction.ReadLine(prompt.Request) : interaction.ReadSecret(prompt.Request)) ?? string.Empty;
            }
        };
        yield return keyboard;
        yield return new PromptedPasswordMethod(target.User, $"{target.User}@{target.Host}'s password: ", interaction);
    }

    /// <summary>SSH.NET's password method, with the password asked for only when the server offers password authentication.</summary>
    private sealed class PromptedPasswordMethod(string user, string prompt, IUserInteraction interaction) : AuthenticationMethod(user)
    {
        public override string Name => "password";

        public override AuthenticationResult Authenticate(Session session)
        {
            var password = interaction.ReadSecret(prompt);
            if (string.IsNullOrEmpty(password))
            {
                AllowedAuthentications = [];
                return AuthenticationResult.Failure;
            }

            using var inner = new PasswordAuthenticationMethod(Username, password);
            var result = inner.Authenticate(session);
            AllowedAuthentications = inner.AllowedAuthentications;
            return result;
        }
    }
}
