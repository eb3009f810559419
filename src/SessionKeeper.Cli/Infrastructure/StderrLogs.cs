using Microsoft.Extensions.Logging;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>-v: the libraries' Debug logs as "sessionkeeper: debug: ..." lines on stderr, controls made visible.</summary>
internal sealed class StderrLogs : ILoggerFactory, ILogger
{
    public static readonly StderrLogs Factory = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"sessionkeeper: debug: {TerminalText.Visible(formatter(state, exception))}");
        }
    }

    public void Dispose()
    {
    }
}
