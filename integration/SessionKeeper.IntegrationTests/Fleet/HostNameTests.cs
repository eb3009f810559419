using System.Text.Json;
using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Twelve ssh_config aliases for one sshd (the case: h1 ... h12, one HostName): tags,
/// summary, JSON events, `jobs` and `batch status` name each host as the user wrote it, with the
/// resolved user@host:port beside it where the issue asks for it, and list them in natural order.
/// </summary>
public sealed class HostNameTests(FleetHost host) : IClassFixture<FleetHost>
{
    private const string Command = "echo \"hello from ${SESSIONKEEPER_JOB_ID##*-}\"; case $SESSIONKEEPER_JOB_ID in *-10) exit 3;; esac";

    [Fact(Timeout = 90_000)]
    public async Task Aliases_name_their_hosts_in_tags_summary_and_listings()
    {
        await using var lab = host.NewLab("names");
        var config = lab.Aliases(12);
        var run = await lab.RunAsync(lab.RunArguments(Command, [.. config, .. FleetLab.Fast], "h[1-12]"));
        Assert.True(run.ExitCode == 1, run.ToString());

        // Tags: the alias.
        var tagged = run.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(NaturalOrder.Instance);
        Assert.Equal(Enumerable.Range(1, 12).Select(n => $"h{n}: hello from {n:00}"), tagged);

        // Summary (stdout is a pipe: on stderr): the failure one per row, then the folded outcome lines.
        var stderr = run.Stderr.Split('\n');
        Assert.Contains("ok (11): h[1-9,11-12]", stderr);
        Assert.Contains("failed (exit 3) (1): h10", stderr);
        var row = Assert.Single(stderr, l => l.StartsWith("h10 ", StringComparison.Ordinal));
        Assert.Equal(["h10", "failed", "3"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);
        Assert.DoesNotContain(stderr, l => l.Contains(lab.AliasTarget, StringComparison.Ordinal));

        // Neither stream is a terminal: no progress line was drawn on either.
        Assert.DoesNotContain("\u001b[K", run.StdoutText + run.Stderr, StringComparison.Ordinal);

        // jobs --json: host as written, target where it resolved.
        var jobs = await lab.RunAsync(["jobs", "--json"]);
        using (var document = JsonDocument.Parse(jobs.StdoutText))
        {
            var mine = document.RootElement.EnumerateArray().Where(e => e.GetProperty("id").GetString()!.StartsWith(lab.BatchId + "-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(1, 12).Select(n => $"h{n}"), mine.Select(e => e.GetProperty("host").GetString()));
            Assert.All(mine, e => Assert.Equal(lab.AliasTarget, e.GetProperty("target").GetString()));
        }

        // batch status: natural order (h2 before h10), the target in its own column.
        var status = await lab.RunAsync(["batch", "status", lab.BatchId]);
        var rows = status.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(n => $"h{n}"), rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(lab.AliasTarget, r[^1]));

        // status --json of one job: the resolved host, and the name it was given.
        var one = await lab.RunAsync(["status", $"{lab.BatchId}-10", "--json"]);
        using (var document = JsonDocument.Parse(one.StdoutText))
        {
            Assert.Equal(lab.AliasTarget, document.RootElement.GetProperty("host").GetString());
            Assert.Equal("h10", document.RootElement.GetProperty("name").GetString());
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Json_events_carry_the_alias_and_the_target()
    {
        await using var lab = host.NewLab("namesjson");
        var config = lab.Aliases(3, "web");
        var run = await lab.RunAsync(lab.RunArguments("echo hi", [.. config, "--json", .. FleetLab.Fast], "web1,web2,web3"));
        Assert.True(run.ExitCode == 0, run.ToString());

        var events = FleetEvent.ParseAll(run);
        Assert.Equal(["web1", "web2", "web3"], events.Where(e => e.Event == "output").Select(e => e.Host).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "launched", "output", "exited" })
        {
            var named = events.Where(e => e.Event == name).ToList();
            Assert.Equal(["web1", "web2", "web3"], named.Select(e => e.Host).Order(StringComparer.Ordinal));
            Assert.All(named, e => Assert.Equal(lab.AliasTarget, e.Raw.GetProperty("target").GetString()));
        }

        var summary = Assert.Single(events, e => e.Event == "summary");
        Assert.Equal("web[1-3]", summary.Raw.GetProperty("folded").GetProperty("ok").GetString());
    }
}
