using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class IniInventoryTests
{
    private const string Path = "/srv/inventory.ini";

    // Three levels: prod > web > (frontend, api); db is a second child of prod.
    private const string Sample = """
        ; header comment
        bastion ansible_host=203.0.113.10 ansible_user=jump   # ungrouped
        mail.example.com:2525

        [frontend]
        fe[01:03].example.com
        fe-special ansible_host="10.0.0.99" ansible_port=2201

        [api]
        api[1:7:3] ansible_user='svc'

        [web:children]   # frontend and api are declared above, lb below
        frontend
        api
        lb

        [lb]
        lb-[a:b]

        [db]
        db1 ansible_port=5022
        db2

        [prod:children]
        web
        db

        [all:vars]
        ansible_user = everyone
        ansible_port=22

        [prod:vars]
        ansible_user=produser
        ansible_port=2200

        [web:vars]
        ansible_user = "webuser"  # quoted, with a comment

        [frontend:vars]
        ansible_port=8022
        """;

    private static IReadOnlyList<FleetTarget> Parse(string? group, string text = Sample) => AnsibleInventory.Parse(text, Path, group);

    private static FleetTarget Find(IReadOnlyList<FleetTarget> targets, string name) => Assert.Single(targets, t => t.Name == name);

    [Fact]
    public void AllListsEveryHostInFileOrder() =>
        Assert.Equal(
            [
                "bastion", "mail.example.com", "fe01.example.com", "fe02.example.com", "fe03.example.com", "fe-special",
                "api1", "api4", "api7", "lb-a", "lb-b", "db1", "db2",
            ],
            Parse(null).Select(t => t.Name));

    [Fact]
    public void GroupSelectionIncludesChildrenThreeLevelsDown()
    {
        Assert.Equal(
            ["fe01.example.com", "fe02.example.com", "fe03.example.com", "fe-special", "api1", "api4", "api7", "lb-a", "lb-b", "db1", "db2"],
            Parse("prod").Select(t => t.Name));
        Assert.Equal(["api1", "api4", "api7"], Parse("api").Select(t => t.Name));
    }

    [Fact]
    public void UngroupedHoldsHostsBeforeTheFirstSection()
    {
        var targets = Parse("ungrouped");

        Assert.Equal(
            [
                new FleetTarget("bastion", "203.0.113.10", 22, "jump", $"{Path}:2"),
                new FleetTarget("mail.example.com", null, 2525, "everyone", $"{Path}:3"),
            ],
            targets);
    }

    [Fact]
    public void HostVarsBeatGroupVarsAndChildGroupVarsBeatParents()
    {
        var targets = Parse("all");

        // frontend:vars (depth 3) port over prod's; web:vars (depth 2) user over prod's and all's.
        Assert.Equal(new FleetTarget("fe01.example.com", null, 8022, "webuser", $"{Path}:6"), Find(targets, "fe01.example.com"));

        // The host's own ansible_port beats frontend:vars; ansible_host is its own.
        Assert.Equal(new FleetTarget("fe-special", "10.0.0.99", 2201, "webuser", $"{Path}:7"), Find(targets, "fe-special"));

        // api's inline user beats web:vars; the port comes from prod:vars, the deepest that sets one.
        Assert.Equal(new FleetTarget("api4", null, 2200, "svc", $"{Path}:10"), Find(targets, "api4"));

        // lb is declared after web:children names it and still inherits web and prod.
        Assert.Equal(new FleetTarget("lb-b", null, 2200, "webuser", $"{Path}:18"), Find(targets, "lb-b"));

        Assert.Equal(new FleetTarget("db1", null, 5022, "produser", $"{Path}:21"), Find(targets, "db1"));
        Assert.Equal(new FleetTarget("db2", null, 2200, "produser", $"{Path}:22"), Find(targets, "db2"));
    }

    [Fact]
    public void HostInTwoGroupsIsListedOnceAndLeavesUngrouped()
    {
        var text = """
            web1
            [a]
            web1
            web2
            [b]
            web2 ansible_port=2202
            web1
            """;

        Assert.Equal(["web1", "web2"], Parse("a:b", text).Select(t => t.Name));
        Assert.Empty(Parse("ungrouped", text));
        Assert.Equal(2202, Find(Parse(null, text), "web2").Port);
    }

    [Fact]
    public void SiblingGroupsAtTheSameDepthMergeByNameLaterNameWins()
    {
        var text = """
            [alpha]
            h1
            [beta]
            h1
            [alpha:vars]
            ansible_user=from-alpha
            [beta:vars]
            ansible_user=from-beta
            """;

        Assert.Equal("from-beta", Assert.Single(Parse(null, text)).User);
    }

    [Fact]
    public void GroupPriorityReordersSiblings()
    {
        var text = """
            [alpha]
            h1
            [beta]
            h1
            [alpha:vars]
            ansible_user=from-alpha
            ansible_group_priority=10
            [beta:vars]
            ansible_user=from-beta
            """;

        Assert.Equal("from-alpha", Assert.Single(Parse(null, text)).User);
    }

    [Fact]
    public void SshAliasesWinOverThePlainNamesAsInTheSshPlugin()
    {
        var text = "h1 ansible_host=a.example ansible_ssh_host=b.example ansible_ssh_port=2022 ansible_port=22 ansible_ssh_user=u2 ansible_user=u1";

        Assert.Equal(new FleetTarget("h1", "b.example", 2022, "u2", $"{Path}:1"), Assert.Single(Parse(null, text)));
    }

    [Fact]
    public void QuotedValuesKeepSpacesAndHashes()
    {
        var text = """
            h1 ansible_user="deploy user" ansible_host='10.0.0.1' other="'a#b'"  # trailing comment
            h2 ansible_user=ops\ team
            """;

        var targets = Parse(null, text);

        Assert.Equal(("deploy user", "10.0.0.1"), (targets[0].User, targets[0].HostName));
        Assert.Equal("ops team", targets[1].User);
    }

    [Fact]
    public void PortOnTheHostPatternAppliesToEveryExpandedHost()
    {
        var targets = Parse(null, "node[08:10]:2222\n[v6]\n[2001:db8::1]:2200\n2001:db8::2\n");

        Assert.Equal(["node08", "node09", "node10", "2001:db8::1", "2001:db8::2"], targets.Select(t => t.Name));
        Assert.Equal([2222, 2222, 2222, 2200, null], targets.Select(t => t.Port));
    }

    [Fact]
    public void PortOnALaterDefinitionIsIgnoredAsInAnsible()
    {
        var targets = Parse(null, "[a]\nweb1:2201\n[b]\nweb1:2202\n");

        Assert.Equal(2201, Assert.Single(targets).Port);
    }

    [Fact]
    public void VarsSectionMayComeBeforeItsGroup()
    {
        var text = "[late:vars]\nansible_user=early\n[late]\nh1\n";

        Assert.Equal("early", Assert.Single(Parse("late", text)).User);
    }

    [Fact]
    public void EmptyChildrenSectionDeclaresAnEmptyGroup() =>
        Assert.Empty(Parse("empty", "h1\n[empty:children]\n"));

    [Fact]
    public void ContentWithoutExtensionIsReadAsIni()
    {
        var targets = AnsibleInventory.Parse("[web]\nweb1 ansible_port=2200\n", "/srv/hosts", "web");

        Assert.Equal(new FleetTarget("web1", null, 2200, null, "/srv/hosts:2"), Assert.Single(targets));
    }
}
