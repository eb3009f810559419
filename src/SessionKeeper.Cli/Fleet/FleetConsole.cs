using System.Collections.Concurrent;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Fleet.Runs;
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
    private readonly List<string> _deferred = [];
    private bool _deferring;

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
        FleetOutputMode.Tag => _outputs.GetOrAdd(job.Id, _ => new(_tagged.For(job.Endpoint.Label, _stdout), _tagged.For(job.Endpoint.Label, _stderr))),
        FleetOutputMode.Json => _outputs.GetOrAdd(job.Id, _ => new(_json.OutputFor(job.Endpoint.Label, job.Id.Value, "stdout"), _json.OutputFor(job.Endpoint.Label, job.Id.Value, "stderr"))),
        _ => null,
    };

    public IAttachObserver StreamObserverFor(JournalJob job) => new StreamEvents(this, job);

    public void Launched(JournalJob job, JobStatus status)
    {
        _phase[job.RootId ?? job.Id] = "running";
        if (_mode == FleetOutputMode.Json)
        {
            _json.Write("launched", j =>
            {
                j.WriteString("host", job.Endpoint.Label);
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
                j.WriteString("host", job.Endpoint.Label);
                j.WriteString("job", job.Id.Value);
                j.WriteString("message", warning);
            });
            return;
        }

        Report($"sessionkeeper: {TerminalText.Visible(job.Endpoint.Label)}: warning: {warning}");
    }

    /// <summary>
    /// Holds back stderr lines while a live display redraws the terminal (it would overwrite
    /// them); <see cref="StopDeferring"/> prints them once the display is gone.
    /// </summary>
    public void DeferReports()
    {
        lock (_gate)
        {
            _deferring = true;
        }
    }

    public void StopDeferring()
    {
        lock (_gate)
        {
            _deferring = false;
            foreach (var line in _deferred)
            {
                Console.Error.WriteLine(line);
            }

            _deferred.Clear();
        }
    }

    private void Report(string line)
    {
        lock (_gate)
        {
            if (_deferring)
            {
                _deferred.Add(line);
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    /// <summary>One line of counts for the progress display.</summary>
    public string Progress(TimeSpan elapsed)
    {
        var done = _phase.Values.Count(p => p == "done");
        var running = _phase.Values.Count(p => p == "running");
        var reconnecting = _phase.Values.Count(p => p == "reconnecting");
        var counts = string.Join(", ", _outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key.ToWire()} {o.Value}"));
        return $"{done}/{Total} done, {running} running, {reconnecting} reconnecting{(counts.Length > 0 ? "; " + counts : "")}; {elapsed:hh\\:mm\\:ss}";
    }

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
                    j.WriteString("host", job.Endpoint.Label);
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
                    j.WriteString("host", job.Endpoint.Label);
                    j.WriteString("job", job.Id.Value);
                    j.WriteNumber("offset", offset);
                    j.WriteNumber("gap_ms", (long)gap.TotalMilliseconds);
                });
            }
        }
    }
}
