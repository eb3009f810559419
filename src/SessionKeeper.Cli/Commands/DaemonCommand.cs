using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionKeeper.Cli.Daemon;
using SessionKeeper.Cli.Daemon.Broker;
using SessionKeeper.Cli.Daemon.Web;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Commands;

/// <summary>`daemon`: the Generic Host supervisor, for systemd (Type=notify) or a terminal.</summary>
internal static class DaemonCommand
{
    public static Command Create(StreamOptions streamOptions)
    {
        var parallel = new Option<int>("--parallel", "-j") { Description = "Jobs supervised at once (default 64).", DefaultValueFactory = _ => 64 };
        var poll = new Option<string?>("--poll") { Description = "How often the journal is checked for new jobs (default 2s)." };
        var web = new Option<string?>("--web") { Description = "Also serve a read-only web view of the journal at ADDRESS:PORT (loopback, e.g. 127.0.0.1:8080; off by default). Every request needs the token printed at start, also kept in web.token in the state directory." };
        var webRemote = new Option<bool>("--web-allow-remote") { Description = "Let --web listen on an address that is not loopback (plain HTTP: the token and every job's output cross the network)." };
        var brokerIdle = new Option<string?>("--broker-idle") { Description = "Close a brokered SSH connection nobody has used for this long (default 5m)." };
        var brokerMax = new Option<int>("--broker-max-per-host") { Description = "At most this many brokered SSH connections to one host (default 4).", DefaultValueFactory = _ => 4 };
        var brokerOn = new Option<bool>("--broker") { Description = "Broker CLIs' SSH connections (the default; kept for scripts that say it)." };
        var brokerOff = new Option<bool>("--no-broker") { Description = "Do not listen on broker.sock: CLIs and this daemon's supervision connect on their own." };
        var lease = new Option<string?>("--lease") { Description = "How long a job's lease lasts in a shared journal without renewal (default 15s, renewed every third): a dead daemon's jobs are taken over within it." };
        var command = new Command("daemon", "Supervise every unfinished job in the journal until stopped (SIGTERM), and broker CLIs' SSH connections (on broker.sock in the state directory), as with ControlMaster.") { parallel, poll, lease, web, webRemote, brokerOn, brokerOff, brokerIdle, brokerMax };
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new DaemonSettings(
                StatePaths.Root(result.GetValue(CommonArguments.StateDir)),
                result.GetValue(parallel) is var p and >= 1 ? p : throw new SessionKeeperException(FailureKind.InvalidInput, "--parallel must be at least 1."),
                result.GetValue(poll) is { } text ? Durations.Parse(text, "--poll") : TimeSpan.FromSeconds(2),
                streamOptions.Resolve(result) with { GiveUpAfter = TimeSpan.FromMinutes(5) },
                result.GetValue(CommonArguments.Journal),
                result.GetValue(lease) is { } leaseText
                    ? Durations.Parse(leaseText, "--lease") is var l && l >= TimeSpan.FromSeconds(1) ? l : throw new SessionKeeperException(FailureKind.InvalidInput, "--lease must be at least 1s.")
                    : null);
            var webSettings = WebSettings.From(result.GetValue(web), result.GetValue(webRemote));

            var broker = new BrokerSettings(
                result.GetValue(brokerIdle) is { } idle ? Durations.Parse(idle, "--broker-idle") : TimeSpan.FromMinutes(5),
                result.GetValue(brokerMax) is var m and >= 1 ? m : throw new SessionKeeperException(FailureKind.InvalidInput, "--broker-max-per-host must be at least 1."));

            // A corrupt or newer journal is the user's to fix: one line and exit 248 here, because
            // once inside the host a faulted service is only logged and the process exits 0.
            // Held open while the daemon lives: every CLI's journal call then finds SQLite's WAL
            // index ready instead of rebuilding it from the whole WAL (JournalStore.HoldOpen).
            using var held = JobJournal.Open(settings.StateRoot, settings.Journal).HoldOpen();
            IHostApplicationBuilder builder = webSettings is null
                ? Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true })
                : WebView.CreateBuilder(webSettings);
            builder.Services.AddSystemd();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled; // stderr escapes controls
            });
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton<StartsLaunched>();
            builder.Services.AddHostedService<SupervisorService>();
            if (result.GetValue(brokerOn) && result.GetValue(brokerOff))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--broker and --no-broker contradict each other.");
            }

            if (!result.GetValue(brokerOff))
            {
                builder.Services.AddSingleton(broker);
                builder.Services.AddSingleton(_ => new BrokerPool(broker, (target, interaction) => new SessionKeeper.Ssh.SshConnector(target, null, interaction)));
                builder.Services.AddHostedService<BrokerService>();
            }

            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
            using var host = builder is WebApplicationBuilder webBuilder ? WebView.Build(webBuilder, webSettings!, settings.StateRoot, settings.Journal) : ((HostApplicationBuilder)builder).Build();
            try
            {
                await host.RunAsync(cancellationToken);
            }
            catch (IOException ex) when (webSettings is not null && !host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested)
            {
                throw WebView.ListenFailure(webSettings, ex); // Kestrel could not listen: nothing was started
            }

            return 0;
        });
        return command;
    }
}
