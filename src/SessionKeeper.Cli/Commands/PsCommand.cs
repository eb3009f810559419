using System.CommandLine;
using System.Text.Json;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>`ps HOST`: every job on the host with its state, age and command.</summary>
internal static class PsCommand
{
    public static Command Create(SshOptions ssh)
    {
        var host = CommonArguments.Host();
        var json = CommonArguments.Json();
        var command = new Command("ps", "List the jobs on a host.") { host, json };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var ordered = await Keepers.Open(result).ListAsync(target, cancellationToken);
            if (result.GetValue(json))
            {
                using var writer = new Utf8JsonWriter(Console.OpenStandardOutput());
                writer.WriteStartArray();
                foreach (var status in ordered)
                {
                    JobOutput.WriteJson(writer, status, target.Label);
                }

                writer.WriteEndArray();
                writer.Flush();
                Console.WriteLine();
                return 0;
            }

            var now = DateTimeOffset.UtcNow;
            var table = new TextTable("ID", "STATE", "AGE", "COMMAND").AlignRight(2);
            foreach (var status in ordered)
            {
                table.Add(status.Id.Value, status.Describe(), JobOutput.Age(status, now), JobOutput.OneLine(status.CommandPreview, status.RawCommandPreview));
            }

            table.WriteTo(Console.Out);

            return 0;
        });
        return command;
    }
}
