using System.CommandLine;
using System.Text.Json;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `status HOST JOB`: the job's state; of a job whose end the journal recorded, the target's last
/// answer as the journal keeps it (no connection), else, or with --refresh, derived on the target now.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(SshOptions ssh)
    {
        var job = JobTarget.Argument();
        var json = CommonArguments.Json();
        var refresh = new Option<bool>("--refresh") { Description = "Ask the target even when the journal has recorded the job's end." };
        var command = new Command("status", "Show a job's state, exit code and identity.") { job, json, refresh };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var status = await resolved.Keeper.StatusAsync(resolved.JobId.Value, target, result.GetValue(refresh), cancellationToken);
            if (result.GetValue(json))
            {
                using var writer = new Utf8JsonWriter(Console.OpenStandardOutput());
                JobOutput.WriteJson(writer, status, target.Label, resolved.Known?.Name);
                writer.Flush();
                Console.WriteLine();
            }
            else
            {
                Console.WriteLine($"{TerminalText.Visible(status.Id.Value)}\t{TerminalText.Visible(status.Describe())}\tpid {status.Pid?.ToString() ?? "-"}\t{JobOutput.OneLine(status.CommandPreview, status.RawCommandPreview)}");
            }

            if (status.Caveat is { } caveat)
            {
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label}: {caveat}.");
            }

            return 0;
        });
        return command;
    }
}
