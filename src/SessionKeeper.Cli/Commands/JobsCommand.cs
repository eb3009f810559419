using System.CommandLine;
using System.Text.Json;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Commands;

/// <summary>`jobs`: the local view across all hosts, as last seen, from the journal (no network).</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var host = new Option<string?>("--host") { Description = "Only jobs on this host (the name it was given, its address, user@host or user@host:port)." };
        var state = new Option<string?>("--state") { Description = "Only jobs in this state (running, exited, killed, timed-out, lost, launching, not-launched, skipped, to-be-checked, unfinished)." };
        var json = CommonArguments.Json();
        var command = new Command("jobs", "List the jobs in the local journal, across all hosts.") { host, state, json };
        command.SetAction(result =>
        {
            var journal = JobJournal.OpenForReading(StatePaths.Root(result.GetValue(CommonArguments.StateDir)), result.GetValue(CommonArguments.Journal));
            var hostFilter = result.GetValue(host);
            var stateFilter = result.GetValue(state);
            var jobs = journal.List()
                .Where(j => hostFilter is null || j.Name == hostFilter || j.Endpoint.Host == hostFilter || j.Endpoint.Label == hostFilter || $"{j.Endpoint.User}@{j.Endpoint.Host}" == hostFilter)
                .Where(j => stateFilter is null || j.StateText == stateFilter || (stateFilter == "unfinished" && j.IsUnfinished))
                .ToList();
            if (result.GetValue(json))
            {
                using var writer = new Utf8JsonWriter(Console.OpenStandardOutput());
                writer.WriteStartArray();
                foreach (var job in jobs)
                {
                    Write(writer, job);
                }

                writer.WriteEndArray();
                writer.Flush();
                Console.WriteLine();
                return 0;
            }

            var table = new TextTable("ID", "HOST", "STATE", "EXIT", "LAST SEEN", "COMMAND").AlignRight(3);
            foreach (var job in jobs)
            {
                var exit = job.LastStatus?.ShellExitCode?.ToString() ?? "-";
                var seen = job.LastSeenAt?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") ?? "never";
                table.Add(job.Id.Value, job.DisplayName, job.StateText, exit, seen, JobOutput.OneLine(job.Spec.Command, job.Spec.RawCommand));
            }

            table.WriteTo(Console.Out);

            return 0;
        });
        return command;
    }

    private static void Write(Utf8JsonWriter json, JournalJob job)
    {
        json.WriteStartObject();
        json.WriteString("id", job.Id.Value);
        json.WriteString("host", job.DisplayName); // as the user named it
        json.WriteString("target", job.Endpoint.Label); // where that resolved: user@host:port
        json.WriteString("state", job.StateText);
        json.WriteString("phase", job.Phase.ToWire());
        if (job.NotLaunchedReason is { } reason)
        {
            json.WriteString("reason", reason);
        }

        if (job.LastStatus?.ExitCode is { } code)
        {
            json.WriteNumber("exit_code", code);
        }
        else
        {
            json.WriteNull("exit_code");
        }

        if (job.LastStatus?.Signal is { } signal)
        {
            json.WriteNumber("signal", signal);
        }
        else
        {
            json.WriteNull("signal");
        }

        json.WriteNumber("attempt", job.Attempt);
        if (job.RootId is { } root)
        {
            json.WriteString("root_id", root.Value);
        }

        json.WriteString("created", job.CreatedAt);
        if (job.LastSeenAt is { } seen)
        {
            json.WriteString("last_seen", seen);
        }
        else
        {
            json.WriteNull("last_seen");
        }

        JobOutput.WriteCommand(json, job.Spec.Command, job.Spec.RawCommand);
        WriteMirror(json, job.MirrorPath);
        json.WriteNumber("committed_length", job.CommittedLength);
        json.WriteEndObject();
    }

    /// <summary>
    /// Where the job's output is kept here: "mirror_files" names each file by stream ("stdout" and
    /// "stderr"; "log" for a layout-1 job, whose one file holds both). "mirror" is the one file of
    /// a layout-1 job, as it always was, and null for a later one: no single file holds its output
    /// (the journal keeps the files' common stem, which is not a file).
    /// </summary>
    internal static void WriteMirror(Utf8JsonWriter json, string? mirrorPath)
    {
        if (mirrorPath is null)
        {
            json.WriteNull("mirror");
            json.WriteNull("mirror_files");
            return;
        }

        if (LogMirror.IsLayoutOne(mirrorPath))
        {
            json.WriteString("mirror", mirrorPath);
        }
        else
        {
            json.WriteNull("mirror");
        }

        json.WriteStartObject("mirror_files");
        foreach (var (stream, file) in LogMirror.FilesOf(mirrorPath))
        {
            json.WriteString(stream switch { OutputKind.Stdout => "stdout", OutputKind.Stderr => "stderr", _ => "log" }, file);
        }

        json.WriteEndObject();
    }
}
