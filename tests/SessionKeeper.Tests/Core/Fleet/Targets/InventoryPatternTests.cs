using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class InventoryPatternTests
{
    private const string Text = """
        [web]
        web[1:4]
        [db]
        db1
        db2
        [staging]
        web4
        db2
        [dc:children]
        web
        db
        """;

    private static string[] Select(string? pattern) =>
        AnsibleInventory.Parse(Text, "/srv/inv.ini", pattern).Select(t => t.Name).ToArray();

    [Theory]
    [InlineData(null, "web1 web2 web3 web4 db1 db2")]
    [InlineData("all", "web1 web2 web3 web4 db1 db2")]
    [InlineData("db,web", "db1 db2 web1 web2 web3 web4")]
    [InlineData("db:web", "db1 db2 web1 web2 web3 web4")]
    [InlineData("web:!web3", "web1 web2 web4")]
    [InlineData("web:!staging", "web1 web2 web3")]
    [InlineData("!staging", "web1 web2 web3 db1")]
    [InlineData("dc:&staging", "web4 db2")]
    [InlineData("!web2,web", "web1 web3 web4")]
    [InlineData("web1,db2", "web1 db2")]
    [InlineData("web*", "web1 web2 web3 web4")]
    [InlineData("d?2", "db2")]
    [InlineData("~(web|db)[12]", "web1 web2 db1 db2")]
    public void SelectsAsAnsibleDoes(string? pattern, string expected) =>
        Assert.Equal(expected.Split(' '), Select(pattern));

    [Theory]
    [InlineData("wbe", "no group or host in /srv/inv.ini matches 'wbe'; its groups are: all, db, dc, staging, ungrouped, web")]
    [InlineData("web:!nope", "matches 'nope'")]
    [InlineData("web:!", "'!' or '&' must be followed by a group or host name")]
    [InlineData("~(", "'~(' is not a valid pattern")]
    public void BadPatternsAreErrors(string pattern, string expected)
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => Select(pattern));

        Assert.Equal("/srv/inv.ini", ex.Location);
        Assert.Contains(expected, ex.Problem, StringComparison.Ordinal);
    }
}
