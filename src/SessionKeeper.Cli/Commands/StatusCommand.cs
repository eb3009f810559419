using System.CommandLine;
using System.Text.Json;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>`status HOST JOB`: the job's state, derived on the target right now.</summary>
internal static class StatusCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var host = CommonArguments.Host();
        var job = CommonArguments.Job();
        var json = CommonArguments.Json();
        var command = new Command("status", "Show a job's state, exit code and identity.") { host, job, json };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var id = JobId.Validate(result.GetValue(job));
            await using var session = await Session.OpenAsync(target, interrupt());
            var status = await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, ct => new JobClient(session).StatusAsync(id, ct), interrupt());
            if (result.GetValue(json))
            {
                using var writer = new Utf8JsonWriter(Console.OpenStandardOutput());
                JobOutput.WriteJson(writer, status, target.Label);
                writer.Flush();
                Console.WriteLine();
            }
            else
            {
                Console.WriteLine($"{status.Id}\t{status.Describe()}\tpid {status.Pid?.ToString() ?? "-"}\t{JobOutput.OneLine(status.CommandPreview)}");
            }

            return 0;
        });
        return command;
    }
}
