using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class YamlInventoryTests
{
    private const string Path = "/srv/inventory.yml";

    private const string Sample = """
        # production
        all:
          hosts:
            bastion:
              ansible_host: 203.0.113.10
              ansible_user: jump
            mail.example.com:2525:
          vars:
            ansible_user: everyone
            ansible_port: 22
          children:
            prod:
              vars:
                ansible_user: produser
                ansible_port: "2200"
              children:
                web:
                  vars:
                    ansible_user: webuser
                  children:
                    frontend:
                      hosts:
                        fe[01:03].example.com:
                        fe-special:
                          ansible_host: 10.0.0.99
                          ansible_port: 2201
                      vars:
                        ansible_port: 8022
                    api:
                      hosts:
                        api[1:7:3]: { ansible_user: svc }
                db:
                  hosts:
                    db1: { ansible_port: 5022 }
                    db2: ~
            staging:
              hosts: stage1
        """;

    private static IReadOnlyList<FleetTarget> Parse(string? group, string text = Sample, string path = Path) =>
        AnsibleInventory.Parse(text, path, group);

    private static FleetTarget Find(IReadOnlyList<FleetTarget> targets, string name) => Assert.Single(targets, t => t.Name == name);

    [Fact]
    public void AllListsEveryHostInFileOrder() =>
        Assert.Equal(
            [
                "bastion", "mail.example.com", "fe01.example.com", "fe02.example.com", "fe03.example.com", "fe-special",
                "api1", "api4", "api7", "db1", "db2", "stage1",
            ],
            Parse(null).Select(t => t.Name));

    [Fact]
    public void GroupSelectionIncludesChildrenThreeLevelsDown()
    {
        Assert.Equal(
            ["fe01.example.com", "fe02.example.com", "fe03.example.com", "fe-special", "api1", "api4", "api7", "db1", "db2"],
            Parse("prod").Select(t => t.Name));
        Assert.Equal(["fe01.example.com", "fe02.example.com", "fe03.example.com", "fe-special", "api1", "api4", "api7"], Parse("web").Select(t => t.Name));
    }

    [Fact]
    public void HostsDirectlyUnderAllAreUngrouped()
    {
        Assert.Equal(
            [
                new FleetTarget("bastion", "203.0.113.10", 22, "jump", $"{Path}:4"),
                new FleetTarget("mail.example.com", null, 2525, "everyone", $"{Path}:7"),
            ],
            Parse("ungrouped"));
    }

    [Fact]
    public void VariablePrecedenceMatchesAnsible()
    {
        var targets = Parse(null);

        Assert.Equal(new FleetTarget("fe02.example.com", null, 8022, "webuser", $"{Path}:23"), Find(targets, "fe02.example.com"));
        Assert.Equal(new FleetTarget("fe-special", "10.0.0.99", 2201, "webuser", $"{Path}:24"), Find(targets, "fe-special"));
        Assert.Equal(new FleetTarget("api7", null, 2200, "svc", $"{Path}:31"), Find(targets, "api7"));
        Assert.Equal(new FleetTarget("db1", null, 5022, "produser", $"{Path}:34"), Find(targets, "db1"));
        Assert.Equal(new FleetTarget("db2", null, 2200, "produser", $"{Path}:35"), Find(targets, "db2"));
        Assert.Equal(new FleetTarget("stage1", null, 22, "everyone", $"{Path}:37"), Find(targets, "stage1"));
    }

    [Fact]
    public void TopLevelGroupsBesidesAllAreChildrenOfAll()
    {
        var text = """
            web:
              hosts:
                web1:
            db:
              hosts:
                db1:
            all:
              vars:
                ansible_user: admin
            """;

        Assert.Equal(["web1", "db1"], Parse("all", text).Select(t => t.Name));
        Assert.All(Parse("all", text), t => Assert.Equal("admin", t.User));
    }

    [Fact]
    public void GroupDefinedInTwoPlacesMergesHostsAndVars()
    {
        var text = """
            all:
              children:
                east:
                  children:
                    shared:
                      hosts:
                        h1:
                west:
                  children:
                    shared:
                      hosts:
                        h2:
                      vars:
                        ansible_port: 2022
            """;

        Assert.Equal(["h1", "h2"], Parse("east", text).Select(t => t.Name));
        Assert.All(Parse("shared", text), t => Assert.Equal(2022, t.Port));
    }

    [Fact]
    public void ChildGroupWithNothingIsCreatedEmpty() =>
        Assert.Empty(Parse("later", "all:\n  hosts:\n    h1:\n  children:\n    later:\n"));

    [Fact]
    public void NullHostVariableHidesTheGroupValue()
    {
        var text = "all:\n  vars:\n    ansible_user: admin\n  hosts:\n    h1:\n      ansible_user: null\n";

        Assert.Null(Assert.Single(Parse(null, text)).User);
    }

    [Fact]
    public void AnchorsAndAliasesAreFollowed()
    {
        var text = """
            all:
              hosts:
                h1: &common
                  ansible_user: deploy
                  ansible_port: 2022
                h2: *common
            """;

        Assert.All(Parse(null, text), t => Assert.Equal(("deploy", 2022), (t.User, t.Port)));
    }

    [Fact]
    public void ContentWithoutExtensionIsRecognisedAsYaml()
    {
        var target = Assert.Single(Parse("all", "---\nall:\n  hosts:\n    h1:\n", "/srv/inventory"));

        Assert.Equal("/srv/inventory:4", target.Source);
    }

    [Fact]
    public void JsonIsReadAsYaml()
    {
        var text = """{"all": {"hosts": {"h1": {"ansible_port": 2200}}}}""";

        Assert.Equal(2200, Assert.Single(Parse(null, text, "/srv/inventory.json")).Port);
    }
}
