using System.Text;
using System.Text.Json;
using SessionKeeper.Cli.Commands;

namespace SessionKeeper.Tests.Cli.Commands;

/// <summary>
/// `jobs --json` names the files that hold a job's output here. The journal keeps a layout-2
/// job's mirror as the stem of its two files (mirrors/HOST/JOB, which is no file), a layout-1
/// job's as its one log (mirrors/HOST/JOB.log).
/// </summary>
public class JobsJsonTests
{
    [Fact]
    public void A_job_with_two_streams_lists_its_stdout_and_stderr_files_and_no_single_mirror()
    {
        var json = Written("/state/mirrors/u@h_22/k7q2");

        Assert.Equal(JsonValueKind.Null, json.GetProperty("mirror").ValueKind);
        var files = json.GetProperty("mirror_files");
        Assert.Equal(["stdout", "stderr"], files.EnumerateObject().Select(p => p.Name));
        Assert.Equal("/state/mirrors/u@h_22/k7q2.out", files.GetProperty("stdout").GetString());
        Assert.Equal("/state/mirrors/u@h_22/k7q2.err", files.GetProperty("stderr").GetString());
    }

    [Fact]
    public void A_layout_one_job_keeps_its_one_log_as_mirror_and_lists_it_as_log()
    {
        var json = Written("/state/mirrors/u@h_22/k7q2.log");

        Assert.Equal("/state/mirrors/u@h_22/k7q2.log", json.GetProperty("mirror").GetString());
        var file = Assert.Single(json.GetProperty("mirror_files").EnumerateObject());
        Assert.Equal(("log", "/state/mirrors/u@h_22/k7q2.log"), (file.Name, file.Value.GetString()));
    }

    [Fact]
    public void A_job_without_a_mirror_says_null_for_both()
    {
        var json = Written(null);

        Assert.Equal(JsonValueKind.Null, json.GetProperty("mirror").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("mirror_files").ValueKind);
    }

    private static JsonElement Written(string? mirrorPath)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            JobsCommand.WriteMirror(writer, mirrorPath);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray()));
        return document.RootElement.Clone();
    }
}
