using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class IniInventoryErrorTests
{
    private const string Path = "/srv/inventory.ini";

    private static TargetSyntaxException Fail(string text, string? group = null) =>
        Assert.Throws<TargetSyntaxException>(() => AnsibleInventory.Parse(text, Path, group));

    [Theory]
    [InlineData("[web", "section header '[web' has no closing ']'")]
    [InlineData("[web] extra", "unexpected 'extra' after section header '[web]'")]
    [InlineData("[web servers]", "invalid section header '[web servers]'")]
    [InlineData("[]", "section header '[]' names no group")]
    [InlineData("[web:hosts2]", "section [web:hosts2] has unknown type 'hosts2'")]
    [InlineData("web1 ansible_port", "expected key=value host variable after 'web1', got 'ansible_port'")]
    [InlineData("web1 =x", "host variable '=x' has no name before '='")]
    [InlineData("web1 ansible_user=\"deploy", "the quote \" at column 19 is never closed")]
    [InlineData("web1:ssh", "port 'ssh' is not a number from 1 to 65535")]
    [InlineData("web1:", "a ':' must be followed by a port number")]
    [InlineData("web[1-3]", "'[1-3]' is not an Ansible range")]
    [InlineData("web[3:1]", "'3:1' runs backwards")]
    [InlineData("web[01:100]", "zero-padded to 2 digits")]
    [InlineData("---", "'---' starts a YAML document")]
    [InlineData("ansible_user=deploy", "'ansible_user=deploy' is a variable, not a host: set group variables under [ok:vars]")]
    public void MalformedLineNamesFileAndLine(string line, string expected)
    {
        var ex = Fail($"# inventory\n[ok]\nok1\n{line}\n[other]\nok2\n");

        Assert.Equal($"{Path}:4", ex.Location);
        Assert.StartsWith($"{Path}:4: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void VarsLineWithoutEquals()
    {
        var ex = Fail("[web]\nweb1\n\n[web:vars]\nansible_user deploy\n");

        Assert.Equal($"{Path}:5: expected key=value in [web:vars], got 'ansible_user deploy'", ex.Message);
    }

    [Fact]
    public void ChildLineWithTwoNames()
    {
        var ex = Fail("[a]\nh\n[b:children]\na c\n");

        Assert.Equal($"{Path}:4: expected one group name in [b:children], got 'a c'", ex.Message);
    }

    [Fact]
    public void UndeclaredChildGroupIsAnErrorAtItsFirstMention()
    {
        // As Ansible 2.x to current: every child group must be declared somewhere in the file.
        var ex = Fail("[web:children]\nfrontend\n\n[db:children]\nfrontend\n");

        Assert.Equal(
            $"{Path}:2: section [web:children] names group 'frontend', which is never declared with [frontend] or [frontend:children]",
            ex.Message);
    }

    [Fact]
    public void VarsOfAnUndeclaredGroupIsAnError()
    {
        var ex = Fail("h1\n[ghost:vars]\nansible_user=x\n");

        Assert.Equal($"{Path}:2", ex.Location);
        Assert.Contains("section [ghost:vars] sets variables of group 'ghost', which is never declared", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CycleInChildrenIsAnErrorAtTheClosingEdge()
    {
        var text = """
            [a:children]
            b
            [b:children]
            c
            [c:children]
            a
            """;

        var ex = Fail(text);

        Assert.Equal($"{Path}:6: making 'a' a child of 'c' creates a cycle: a > b > c > a", ex.Message);
    }

    [Fact]
    public void CycleThroughALaterDeclarationNamesTheChildLine()
    {
        var ex = Fail("[a:children]\nb\n\n[b:children]\na\n");

        Assert.Equal($"{Path}:5: making 'a' a child of 'b' creates a cycle: a > b > a", ex.Message);
    }

    [Fact]
    public void GroupCannotBeItsOwnChild()
    {
        var ex = Fail("[a:children]\na\n");

        Assert.Equal($"{Path}:2: group 'a' cannot be a child of itself", ex.Message);
    }

    [Fact]
    public void AllCannotBeAChild()
    {
        var ex = Fail("[a]\nh\n[a:children]\nall\n");

        Assert.Equal($"{Path}:4: group 'all' holds every group and cannot be a child of 'a'", ex.Message);
    }

    [Fact]
    public void BadPortInGroupVarsNamesTheVarsLine()
    {
        var ex = Fail("[web]\nweb1\nweb2 ansible_port=22\n[web:vars]\nansible_port=twenty-two\n");

        Assert.Equal($"{Path}:5: ansible_port of host 'web1' is 'twenty-two', not a port number from 1 to 65535", ex.Message);
    }

    [Fact]
    public void BadPortOverriddenByTheHostIsNotAnError()
    {
        var target = Assert.Single(AnsibleInventory.Parse("[web]\nweb1 ansible_port=22\n[web:vars]\nansible_port=bad\n", Path, null));

        Assert.Equal(22, target.Port);
    }

    [Fact]
    public void TemplatedConnectionValueIsRefused()
    {
        var ex = Fail("web1 ansible_host=\"{{ lookup('env', 'WEB1') }}\"\n");

        Assert.Equal($"{Path}:1", ex.Location);
        Assert.Contains("is the template", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BadGroupPriority()
    {
        var ex = Fail("[a]\nh\n[a:vars]\nansible_group_priority=high\n");

        Assert.Equal($"{Path}:4: ansible_group_priority of group 'a' must be a whole number, not 'high'", ex.Message);
    }

    [Fact]
    public void UnknownGroupListsTheKnownOnes()
    {
        var ex = Fail("[web]\nweb1\n[db]\ndb1\n", "wbe");

        Assert.Equal($"{Path}: no group or host in {Path} matches 'wbe'; its groups are: all, db, ungrouped, web", ex.Message);
    }
}
