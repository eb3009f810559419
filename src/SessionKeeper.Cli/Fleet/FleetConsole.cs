using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Fleet;

/// <summary>A fleet run as the person (or the script) sees it: output, events, progress counts.</summary>
internal sealed class FleetConsole : IFleetObserver
{
    private readonly FleetOutputMode _mode;
    private readonly object _gate = new();
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly Stream _stderr = Console.OpenStandardError();
    private readonly TaggedOutput _tagged;
    private readonly JsonEvents _json;
    private readonly ConcurrentDictionary<JobId, JobStreams> _outputs = new();
    private readonly ConcurrentDictionary<JobId, string> _phase = new();
    private readonly ConcurrentDictionary<FleetOutcome, int> _outcomes = new();
    private readonly ConcurrentDictionary<JobId, TimeSpan> _startedAt = new();
    private readonly ConcurrentDictionary<JobId, string> _names = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ProgressLine? _progress;

    public FleetConsole(FleetOutput output, int total)
    {
        _mode = output.Mode;
        Total = total;
        _tagged = new TaggedOutput(_gate, output.Raw);
        _json = new JsonEvents(_stdout, _gate);
    }

    public int Total { get; }

    public JsonEvents Json => _json;

    /// <summary>Tagged: each host's stdout lines on our stdout, its stderr lines on our stderr. JSON: "output" events that name the stream.</summary>
    public JobStreams? OutputFor(JournalJob job) => _mode switch
    {
        FleetOutputMode.Tag => _outputs.GetOrAdd(job.Id, _ => new(_tagged.For(job.DisplayName, _stdout), _tagged.For(job.DisplayName, _stderr))),
        FleetOutputMode.Json => _outputs.GetOrAdd(job.Id, _ => new(
            _json.OutputFor(job.DisplayName, job.Id.Value, "stdout", job.Endpoint.Label), _json.OutputFor(job.DisplayName, job.Id.Value, "stderr", job.Endpoint.Label))),
        _ => null,
    };

    public IAttachObserver StreamObserverFor(JournalJob job) => new StreamEvents(this, job);

    public void Launched(JournalJob job, JobStatus status)
    {
        var root = job.RootId ?? job.Id;
        _phase[root] = "running";
        _names[root] = job.DisplayName;
        _startedAt.TryAdd(root, _clock.Elapsed);
        if (_mode == FleetOutputMode.Json)
        {
            _json.Write("launched", j =>
            {
                j.WriteString("host", job.DisplayName);
                j.WriteString("target", job.Endpoint.Label);
                j.WriteString("job", job.Id.Value);
                if (status.Pid is { } pid)
                {
                    j.WriteNumber("pid", pid);
                }
            });
        }
    }

    public void Finished(FleetHostResult result)
    {
        if (_outputs.TryRemove(result.Job.Id, out var output))
        {
            output.Stdout?.Dispose();
            output.Stderr?.Dispose();
        }

        _phase[result.Job.RootId ?? result.Job.Id] = "done";
        _outcomes.AddOrUpdate(result.Outcome, 1, (_, n) => n + 1);
        if (_mode == FleetOutputMode.Json)
        {
            _json.Write(EventName(result.Outcome), j =>
            {
                j.WriteString("host", result.Host);
                j.WriteString("target", result.Job.Endpoint.Label);
                j.WriteString("job", result.Job.Id.Value);
                j.WriteString("outcome", result.Outcome.ToWire());
                if (result.Status?.ExitCode is { } code)
                {
                    j.WriteNumber("exit_code", code);
                }

                if (result.Status?.Signal is { } signal)
                {
                    j.WriteNumber("signal", signal);
                }

                if (result.Error is { } error)
                {
                    j.WriteString("error", error);
                }

                j.WriteNumber("duration_ms", (long)result.Duration.TotalMilliseconds);
                j.WriteNumber("bytes", result.Bytes);
            });
        }
        else if (result.Error is { } error && result.Outcome != FleetOutcome.NotLaunched)
        {
            Report($"sessionkeeper: {TerminalText.Visible(result.Host)}: {result.Outcome.ToWire()}: {error}");
        }
    }

    public void Warning(JournalJob job, string warning)
    {
        if (_mode == FleetOutputMode.Json)
        {
            _json.Write("warning", j =>
            {
                j.WriteString("host", job.DisplayName);
                j.WriteString("target", job.Endpoint.Label);
                j.WriteString("job", job.Id.Value);
                j.WriteString("message", warning);
            });
            return;
        }

        Report($"sessionkeeper: {TerminalText.Visible(job.DisplayName)}: warning: {warning}");
    }

    /// <summary>
    /// Shows the progress line (<see cref="ProgressLine"/>) on stderr, the terminal: tagged lines and
    /// messages are written above it from now on. The caller redraws it on a timer and stops it
    /// before the summary.
    /// </summary>
    public ProgressLine StartProgress(Stopwatch clock)
    {
        var progress = new ProgressLine(_gate, _stderr, width => Progress(clock.Elapsed, width));
        lock (_gate)
        {
            _progress = progress;
            _tagged.Overlay = progress;
        }

        return progress;
    }

    private void Report(string line)
    {
        lock (_gate)
        {
            if (_progress is { } progress)
            {
                progress.Above(() => Console.Error.WriteLine(line));
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// The progress line: hosts done out of all, by outcome; running, reconnecting and waiting;
    /// hosts done per second and the time left at that rate; then the hosts running longest, as
    /// many as fit in <paramref name="width"/> columns.
    /// </summary>
    public string Progress(TimeSpan elapsed, int width = int.MaxValue)
    {
        var phases = _phase.ToArray();
        var done = phases.Count(p => p.Value == "done");
        var running = phases.Count(p => p.Value == "running");
        var reconnecting = phases.Count(p => p.Value == "reconnecting");
        var waiting = Math.Max(0, Total - done - running - reconnecting);
        var outcomes = string.Join(", ", _outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value} {o.Key.ToWire()}"));
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var eta = rate > 0 ? Clock(TimeSpan.FromSeconds((Total - done) / rate)) : "-";
        var line = new StringBuilder($"{done}/{Total} done");
        line.Append(outcomes.Length > 0 ? $" ({outcomes})" : "");
        line.Append($", {running} running");
        line.Append(reconnecting > 0 ? $", {reconnecting} reconnecting" : "");
        line.Append($", {waiting} waiting | {rate:0.0} hosts/s, ETA {eta} | {Clock(elapsed)}");
        var slowest = phases
            .Where(p => p.Value is "running" or "reconnecting" && _startedAt.ContainsKey(p.Key))
            .Select(p => (Name: _names.GetValueOrDefault(p.Key, p.Key.Value), Since: _startedAt[p.Key]))
            .OrderBy(p => p.Since)
            .ThenBy(p => p.Name, NaturalOrder.Instance)
            .Take(5);
        var first = true;
        foreach (var (name, since) in slowest)
        {
            var entry = $"{(first ? " | slowest: " : ", ")}{TerminalText.Visible(name)} {Clock(_clock.Elapsed - since)}";
            if (line.Length + entry.Length > width)
            {
                break;
            }

            line.Append(entry);
            first = false;
        }

        return line.ToString();
    }

    /// <summary>m:ss, or h:mm:ss from an hour.</summary>
    private static string Clock(TimeSpan time) =>
        time < TimeSpan.Zero ? "0:00" : time.TotalHours >= 1 ? $"{(int)time.TotalHours}:{time:mm\\:ss}" : $"{(int)time.TotalMinutes}:{time:ss}";

    private static string EventName(FleetOutcome outcome) => outcome switch
    {
        FleetOutcome.Succeeded or FleetOutcome.Failed => "exited",
        FleetOutcome.Killed or FleetOutcome.TimedOut => "killed",
        FleetOutcome.Lost => "lost",
        FleetOutcome.NotLaunched => "skipped",
        _ => "unreachable",
    };

    private sealed class StreamEvents(FleetConsole console, JournalJob job) : IAttachObserver
    {
        public void Disconnected(long offset, string reason)
        {
            console._phase[job.RootId ?? job.Id] = "reconnecting";
            if (console._mode == FleetOutputMode.Json)
            {
                console._json.Write("disconnected", j =>
                {
                    j.WriteString("host", job.DisplayName);
                    j.WriteString("target", job.Endpoint.Label);
                    j.WriteString("job", job.Id.Value);
                    j.WriteNumber("offset", offset);
                    j.WriteString("reason", reason);
                });
            }
        }

        public void Retrying(int attempt, TimeSpan delay, string reason)
        {
        }

        public void Reconnected(TimeSpan gap, long offset)
        {
            console._phase[job.RootId ?? job.Id] = "running";
            if (console._mode == FleetOutputMode.Json)
            {
                console._json.Write("reconnected", j =>
                {
                    j.WriteString("host", job.DisplayName);
                    j.WriteString("target", job.Endpoint.Label);
                    j.WriteString("job", job.Id.Value);
                    j.WriteNumber("offset", offset);
                    j.WriteNumber("gap_ms", (long)gap.TotalMilliseconds);
                });
            }
        }
    }
}
