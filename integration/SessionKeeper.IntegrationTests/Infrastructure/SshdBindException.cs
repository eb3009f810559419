namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>sshd could not bind its port (someone else took it).</summary>
public sealed class SshdBindException(string message) : Exception(message);
