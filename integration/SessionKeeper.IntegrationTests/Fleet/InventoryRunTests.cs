using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Fleet runs from Ansible inventories end to end: a group of an INI inventory (ansible_host,
/// ansible_port, ansible_user, [all:vars]) and of a YAML one run exactly their hosts; a malformed
/// line stops everything before anything is journaled or launched.
/// </summary>
public sealed class InventoryRunTests(FleetHost host) : IClassFixture<FleetHost>
{
    [Fact(Timeout = 60_000)]
    public async Task An_ini_group_runs_its_hosts_with_their_ports_and_users()
    {
        await using var lab = host.NewLab("ini");
        var (web1, web2, db1) = (lab.Add(TargetKind.Good), lab.Add(TargetKind.Good), lab.Add(TargetKind.Good));
        var inventory = Path.Combine(lab.StateDir, "inventory.ini");
        await File.WriteAllTextAsync(inventory, $"""
            # two web servers and a database
            [web]
            web01 ansible_host=127.0.0.1 ansible_port={web1.Port}
            web02 ansible_host=127.0.0.1 ansible_port={web2.Port} ansible_user={FleetUser.Name}

            [db]
            db01 ansible_host=127.0.0.1 ansible_port={db1.Port}

            [all:vars]
            ansible_user={FleetUser.Name}

            """);

        var run = await lab.RunAsync(lab.RunArguments("echo \"$SESSIONKEEPER_JOB_ID\"; echo to-stderr >&2", ["--json", .. FleetLab.Fast], $"@{inventory}:web"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var events = FleetEvent.ParseAll(run);
        // Named by their inventory names; "target" is where each resolved to.
        Assert.Equal(["web01", "web02"], events.Where(e => e.Event == "launched").Select(e => e.Host!).Order(StringComparer.Ordinal));
        Assert.Equal(web1.Label, Assert.Single(events, e => e.Event == "launched" && e.Host == "web01").Raw.GetProperty("target").GetString());
        Assert.Equal(web2.Label, Assert.Single(events, e => e.Event == "launched" && e.Host == "web02").Raw.GetProperty("target").GetString());
        string? Stream(FleetEvent e) => e.Raw.TryGetProperty("stream", out var stream) ? stream.GetString() : null;
        Assert.Equal($"{lab.BatchId}-1", Assert.Single(events, e => e.Event == "output" && e.Host == "web01" && Stream(e) == "stdout").Line);
        Assert.Equal($"{lab.BatchId}-2", Assert.Single(events, e => e.Event == "output" && e.Host == "web02" && Stream(e) == "stdout").Line);
        Assert.All(["web01", "web02"], w => Assert.Equal("to-stderr", Assert.Single(events, e => e.Event == "output" && e.Host == w && Stream(e) == "stderr").Line));
        Assert.Equal(4, events.Count(e => e.Event == "output"));
        Assert.Equal(0, db1.Proxy!.TotalConnections);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_yaml_group_runs_its_hosts_only()
    {
        await using var lab = host.NewLab("yaml");
        var (web1, db1) = (lab.Add(TargetKind.Good), lab.Add(TargetKind.Good));
        var inventory = Path.Combine(lab.StateDir, "inventory.yml");
        await File.WriteAllTextAsync(inventory, $"""
            all:
              vars:
                ansible_user: {FleetUser.Name}
              children:
                web:
                  hosts:
                    web01: {"{"} ansible_host: 127.0.0.1, ansible_port: {web1.Port} {"}"}
                db:
                  hosts:
                    db01:
                      ansible_host: 127.0.0.1
                      ansible_port: {db1.Port}

            """);

        var run = await lab.RunAsync(lab.RunArguments("echo db", ["--json", .. FleetLab.Fast], $"@{inventory}:db"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var events = FleetEvent.ParseAll(run);
        Assert.Equal(["db01"], events.Where(e => e.Event == "launched").Select(e => e.Host!));
        Assert.Equal(db1.Label, Assert.Single(events, e => e.Event == "launched").Raw.GetProperty("target").GetString());
        Assert.Equal(0, web1.Proxy!.TotalConnections);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_malformed_line_is_named_by_file_and_line_and_nothing_is_launched()
    {
        await using var lab = host.NewLab("badini");
        var (web1, web2) = (lab.Add(TargetKind.Good), lab.Add(TargetKind.Good));
        var inventory = Path.Combine(lab.StateDir, "broken.ini");
        await File.WriteAllTextAsync(inventory, $"""
            [web]
            web01 ansible_host=127.0.0.1 ansible_port={web1.Port} ansible_user={FleetUser.Name}
            web02 ansible_host=127.0.0.1 ansible_port={web2.Port} ansible_user={FleetUser.Name}
            web03 ansible_host=127.0.0.1 ansible_port

            """);

        var run = await lab.RunAsync(lab.RunArguments(FleetJob.Prelude(lab.CounterDir) + "echo ran", ["--json"], $"@{inventory}:web"));
        Assert.Equal(251, run.ExitCode);
        Assert.Contains($"{inventory}:4:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("expected key=value host variable", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.StdoutText);
        Assert.All([web1, web2], t => Assert.Equal(0, t.Proxy!.TotalConnections));
        Assert.All([web1, web2], t => Assert.Empty(lab.Runs(t)));
        var jobs = Path.Combine(host.Sshd.RemoteStateDir, "sessionkeeper", "jobs");
        Assert.Empty(Directory.Exists(jobs) ? Directory.EnumerateDirectories(jobs, lab.BatchId + "-*") : []);
        Assert.Empty(await lab.JournalAsync());
    }
}
