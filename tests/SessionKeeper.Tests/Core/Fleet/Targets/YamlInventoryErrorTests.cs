using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class YamlInventoryErrorTests
{
    private const string Path = "/srv/inventory.yaml";

    private static TargetSyntaxException Fail(string text, string? group = null) =>
        Assert.Throws<TargetSyntaxException>(() => AnsibleInventory.Parse(text, Path, group));

    [Fact]
    public void InvalidYamlNamesTheLineFromYamlDotNet()
    {
        var ex = Fail("all:\n  hosts:\n    h1:\n   bad: [unclosed\n");

        Assert.Equal($"{Path}:4", ex.Location);
        Assert.StartsWith("invalid YAML: ", ex.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("(Line:", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyIsAnError()
    {
        var ex = Fail("all:\n  hosts:\n    h1:\n    h1:\n");

        Assert.StartsWith($"{Path}:4: invalid YAML: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostsAsAListIsAnErrorWithAHint()
    {
        var ex = Fail("all:\n  children:\n    web:\n      hosts:\n        - web1\n        - web2\n");

        Assert.Equal(
            $"{Path}:5: 'hosts' of group 'web' must be a mapping, not a list; write each host as a key ending in ':'",
            ex.Message);
    }

    [Fact]
    public void UnexpectedKeyInGroupIsAnError()
    {
        var ex = Fail("all:\n  children:\n    web:\n      host:\n        web1:\n");

        Assert.Equal($"{Path}:4: unexpected key 'host' in group 'web': a group has only hosts, children and vars", ex.Message);
    }

    [Fact]
    public void HostWithScalarValueIsAnError()
    {
        var ex = Fail("all:\n  hosts:\n    web1: 10.0.0.1\n");

        Assert.Equal(
            $"{Path}:3: host 'web1' in group 'all' must have a mapping of variables or nothing, not the value '10.0.0.1'",
            ex.Message);
    }

    [Fact]
    public void GroupThatIsAListIsAnError()
    {
        var ex = Fail("all:\n  children:\n    web: [web1]\n");

        Assert.Equal($"{Path}:3: group 'web' must be a mapping of hosts, children and vars, not a list", ex.Message);
    }

    [Fact]
    public void TopLevelListIsAnError()
    {
        var ex = Fail("- web1\n- web2\n");

        Assert.Equal($"{Path}:1: a YAML inventory is a mapping of groups (such as 'all:'), not a list", ex.Message);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var ex = Fail("# nothing here\n");

        Assert.Equal($"{Path}: the YAML inventory is empty: it needs at least 'all:' with hosts", ex.Message);
    }

    [Fact]
    public void PluginConfigurationIsRefused()
    {
        var ex = Fail("# aws\nplugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n");

        Assert.Equal($"{Path}:2", ex.Location);
        Assert.Contains("inventory plugin", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BadPortNamesTheLineOfTheValue()
    {
        var ex = Fail("all:\n  children:\n    web:\n      hosts:\n        web1:\n          ansible_port: 99999\n");

        Assert.Equal($"{Path}:6: ansible_port of host 'web1' is '99999', not a port number from 1 to 65535", ex.Message);
    }

    [Fact]
    public void BadPortInHostKeyNamesItsLine()
    {
        var ex = Fail("all:\n  hosts:\n    web1:x:\n");

        Assert.Equal($"{Path}:3: host 'web1:x': port 'x' is not a number from 1 to 65535", ex.Message);
    }

    [Fact]
    public void StructuredConnectionVariableIsAnError()
    {
        var ex = Fail("all:\n  vars:\n    ansible_host:\n      - a\n      - b\n  hosts:\n    h1:\n");

        Assert.Equal($"{Path}:4: ansible_host must be a single value, not a list", ex.Message);
    }

    [Fact]
    public void CycleInChildrenIsAnError()
    {
        var text = """
            all:
              children:
                a:
                  children:
                    b:
                      children:
                        c:
                          children:
                            a:
            """;

        var ex = Fail(text);

        Assert.Equal($"{Path}:9: making 'a' a child of 'c' creates a cycle: a > b > c > a", ex.Message);
    }

    [Fact]
    public void RangeErrorNamesTheHostLine()
    {
        var ex = Fail("all:\n  hosts:\n    web[5:1]:\n");

        Assert.Equal($"{Path}:3", ex.Location);
        Assert.Contains("'5:1' runs backwards", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownGroupListsTheKnownOnes()
    {
        var ex = Fail("all:\n  children:\n    web:\n      hosts:\n        w1:\n", "db");

        Assert.Equal($"{Path}: no group or host in {Path} matches 'db'; its groups are: all, ungrouped, web", ex.Message);
    }
}
